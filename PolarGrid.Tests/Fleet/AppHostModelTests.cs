using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using PolarGrid.AppHost.Hosting;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Fleet;

/// <summary>The app model the app host builds, inspected without starting it.</summary>
public sealed class AppHostModelTests
{
    [Fact]
    public async Task A_fourth_colo_is_one_configuration_line()
    {
        using var dataRoot = new ScratchDirectory();
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.PolarGrid_AppHost>(
        [
            "--PolarGrid:Runtime=processes",
            $"--PolarGrid:DataRoot={dataRoot.Path}",
            "--PolarGrid:Colos:yow:City=Ottawa",
        ]);

        var colo = Assert.IsType<ColoResource>(builder.Resources.Single(resource => resource.Name == "yow"));
        Assert.Equal("Ottawa", colo.City);
        foreach (var role in new[] { "gateway", "triton", "sidecar" })
        {
            var child = builder.Resources.Single(resource => resource.Name == $"yow-{role}");
            var parent = child.Annotations.OfType<ResourceRelationshipAnnotation>().Single(relation => relation.Type == "Parent");
            Assert.Same(colo, parent.Resource);
        }
        Assert.Equal(4, builder.Resources.OfType<ColoResource>().Count());
    }

    [Fact]
    public async Task Processes_mode_runs_triton_as_our_inference_server_on_loopback()
    {
        using var dataRoot = new ScratchDirectory();
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.PolarGrid_AppHost>(
            ["--PolarGrid:Runtime=processes", $"--PolarGrid:DataRoot={dataRoot.Path}"]);

        var triton = Assert.IsType<ProjectResource>(builder.Resources.Single(resource => resource.Name == "yvr-triton"));
        Assert.All(triton.Annotations.OfType<EndpointAnnotation>(), endpoint =>
        {
            Assert.Equal("127.0.0.1", endpoint.TargetHost);
            Assert.False(endpoint.IsProxied);
            Assert.False(endpoint.IsExternal);
        });
        Assert.Contains(builder.Resources, resource => resource is PostgresProcessResource);
    }

    [Fact]
    public async Task Containers_mode_runs_the_real_triton_image_in_explicit_mode()
    {
        using var dataRoot = new ScratchDirectory();
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.PolarGrid_AppHost>(
        [
            "--PolarGrid:Runtime=containers",
            // `true` answers the runtime probe like a live daemon; nothing is started in this test.
            "--PolarGrid:ContainerRuntime=true",
            $"--PolarGrid:DataRoot={dataRoot.Path}",
        ]);

        var triton = Assert.IsType<ContainerResource>(builder.Resources.Single(resource => resource.Name == "yyz-triton"));
        Assert.True(triton.TryGetContainerImageName(out var image));
        Assert.StartsWith("nvcr.io/nvidia/tritonserver:", image);
        Assert.EndsWith("-py3", image);

        var args = await ArgumentsOf(triton);
        Assert.Equal("tritonserver", args[0]);
        Assert.Contains("--model-control-mode=explicit", args);
        Assert.Contains("--id=yyz-triton", args);

        var mount = triton.Annotations.OfType<ContainerMountAnnotation>().Single();
        Assert.Equal("/models", mount.Target);
        Assert.EndsWith(Path.Combine("yyz", "models"), mount.Source);
        Assert.Contains(builder.Resources, resource => resource.Name == "postgres" && resource is ContainerResource);
    }

    [Fact]
    public async Task The_local_hub_is_optional_and_every_gateway_downloads_from_it_when_on()
    {
        using var dataRoot = new ScratchDirectory();
        await using (var withoutHub = await DistributedApplicationTestingBuilder.CreateAsync<Projects.PolarGrid_AppHost>(
            ["--PolarGrid:Runtime=processes", $"--PolarGrid:DataRoot={dataRoot.Path}"]))
        {
            Assert.DoesNotContain(withoutHub.Resources, resource => resource.Name == "hub");
        }

        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.PolarGrid_AppHost>(
            ["--PolarGrid:Runtime=processes", $"--PolarGrid:DataRoot={dataRoot.Path}", "--PolarGrid:Hub:Local=true"]);
        var hub = builder.Resources.Single(resource => resource.Name == "hub");
        foreach (var colo in FleetFixture.Colos)
        {
            var gateway = builder.Resources.Single(resource => resource.Name == $"{colo}-gateway");
            var environment = new Dictionary<string, object>();
            var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), environment);
            foreach (var callback in gateway.Annotations.OfType<EnvironmentCallbackAnnotation>())
            {
                await callback.Callback(context);
            }
            var endpoint = Assert.IsType<EndpointReference>(environment["HF_ENDPOINT"]);
            Assert.Same(hub, endpoint.Resource);
        }
    }

    [Fact]
    public async Task Missing_prerequisites_stop_the_app_host_with_one_clear_message()
    {
        var appHost = typeof(Projects.PolarGrid_AppHost).Assembly.Location is var location && location.Length > 0
            ? Path.Combine(Path.GetDirectoryName(location)!, "PolarGrid.AppHost.dll")
            : throw new InvalidOperationException("Cannot locate the app host assembly.");

        var start = new ProcessStartInfo("dotnet")
        {
            // The app host reads its appsettings.json (the colos) from its project folder, as under `dotnet run`.
            WorkingDirectory = AppHostProjectDirectory(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     appHost, "--PolarGrid:ContainerRuntime=polargrid-no-such-runtime",
                     "--PolarGrid:PostgresBinDirectory=/nonexistent/postgresql/bin",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, process.ExitCode);
        var message = await stderr;
        Assert.Contains("PolarGrid cannot start", message);
        Assert.Contains("Install and start Docker or Podman", message);
        Assert.DoesNotContain("   at ", message + await stdout);
        Assert.Single(message.Trim().Split('\n'));
    }

    private static string AppHostProjectDirectory()
    {
        var path = Projects.PolarGrid_AppHost.ProjectPath;
        return Directory.Exists(path) ? path : Path.GetDirectoryName(path)!;
    }

    private static async Task<List<string>> ArgumentsOf(IResource resource)
    {
        var values = new List<string>();
        foreach (var callback in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            var args = new List<object>();
            await callback.Callback(new CommandLineArgsCallbackContext(args));
            values.AddRange(args.OfType<string>());
        }
        return values;
    }
}
