using System.Diagnostics;
using System.Text.Json;

namespace PolarGrid.Tests.Deploy;

/// <summary>
/// The SDK container settings of the images the deploy scripts build, read back with <c>dotnet msbuild -getProperty</c>
/// (publishing cannot run here: the base image is on mcr.microsoft.com). The names must be the ones the manifests use.
/// </summary>
public sealed class ContainerImageTests
{
    [Theory]
    // The gateway is published natively, so its image needs the runtime's dependencies, not the runtime.
    [InlineData("PolarGrid.Gateway", "polargrid/gateway", "mcr.microsoft.com/dotnet/runtime-deps:10.0", "8443")]
    [InlineData("PolarGrid.Sidecar", "polargrid/sidecar", "mcr.microsoft.com/dotnet/aspnet:10.0", "8080")]
    [InlineData("PolarGrid.ControlPlane", "polargrid/controlplane", "mcr.microsoft.com/dotnet/aspnet:10.0", "8080")]
    public async Task The_image_is_named_for_the_manifests_runs_as_non_root_on_its_base_image_and_exposes_its_port(
        string project, string repository, string baseImage, string port)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("msbuild");
        start.ArgumentList.Add(Path.Combine(DeployScript.RepositoryRoot, project, $"{project}.csproj"));
        foreach (var property in new[] { "ContainerRepository", "ContainerBaseImage", "ContainerUser", "EnableSdkContainerSupport" })
        {
            start.ArgumentList.Add($"-getProperty:{property}");
        }
        start.ArgumentList.Add("-getItem:ContainerPort");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(process.ExitCode == 0, await output + await errors);

        using var json = JsonDocument.Parse(await output);
        var properties = json.RootElement.GetProperty("Properties");
        Assert.Equal(repository, properties.GetProperty("ContainerRepository").GetString());
        Assert.Equal(baseImage, properties.GetProperty("ContainerBaseImage").GetString());
        // The base images' "app" user by number, which Kubernetes' runAsNonRoot can check.
        Assert.Equal("1654", properties.GetProperty("ContainerUser").GetString());
        Assert.Equal("true", properties.GetProperty("EnableSdkContainerSupport").GetString());
        var ports = json.RootElement.GetProperty("Items").GetProperty("ContainerPort").EnumerateArray()
            .Select(item => (item.GetProperty("Identity").GetString(), item.GetProperty("Type").GetString()));
        Assert.Equal([(port, "tcp")], ports);
    }
}
