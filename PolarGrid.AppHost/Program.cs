using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using PolarGrid.AppHost.Fleet;
using PolarGrid.AppHost.Hosting;
using PolarGrid.AppHost.Kubernetes;
using PolarGrid.AppHost.Runtime;

var builder = DistributedApplication.CreateBuilder(args);

try
{
    var fleet = builder.Configuration.GetSection(FleetOptions.SectionName).Get<FleetOptions>() ?? new FleetOptions();
    FleetOptionsValidator.Validate(fleet);

    var runtime = await RuntimeSelector.ChooseAsync(
        fleet, builder.ExecutionContext.IsPublishMode, builder.Configuration["ASPIRE_CONTAINER_RUNTIME"]);
    if (runtime.ContainerRuntime is not null)
    {
        builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] = runtime.ContainerRuntime;
    }
    Console.WriteLine($"PolarGrid: {runtime.Runtime.ToString().ToLowerInvariant()} runtime ({runtime.Reason}).");

    var dataRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, fleet.DataRoot));

    // Postgres: the control plane's store, and nothing else's.
    IResourceBuilder<IResourceWithConnectionString> database = runtime.Runtime == FleetRuntime.Containers
        ? builder.AddPostgresContainer("postgres", "polargrid")
        : builder.AddPostgresProcess("postgres", "polargrid", runtime.PostgresBinDirectory!, Path.Combine(dataRoot, "postgres"));

    var auth = FleetAuth.Create(builder, dataRoot);
    if (auth.TokenPath is { } tokenPath)
    {
        Console.WriteLine($"PolarGrid: a local token (12 h, all scopes) is in {tokenPath} and on each colo in the dashboard.");
    }

    // Lets the dashboard's fault commands reach the gateways' /admin/faults; local fleets only.
    var faultKey = builder.ExecutionContext.IsRunMode
        ? LocalSecret.LoadOrCreate(Path.Combine(dataRoot, "auth", "fault-key"), () => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)))
        : null;
    var controlPlaneSecrets = ControlPlaneSecrets.Create(builder, dataRoot);
    if (controlPlaneSecrets.Folder is { } controlPlaneFolder && builder.ExecutionContext.IsRunMode)
    {
        Console.WriteLine($"PolarGrid: routing tables are signed under key id \"{ControlPlaneSecrets.SigningKeyId}\", public key in " +
                          $"{Path.Combine(controlPlaneFolder, ControlPlaneSecrets.PublicKeyFile)}; the control plane's admin key is in {Path.Combine(controlPlaneFolder, ControlPlaneSecrets.AdminKeyFile)}.");
    }

    var hub = fleet.Hub.Local ? builder.AddLocalHub(fleet.Hub, builder.AppHostDirectory) : null;
    // Deployed gateways download gated models with the fleet's Hugging Face token; locally HF_TOKEN is inherited.
    var hubToken = builder.ExecutionContext.IsPublishMode
        ? builder.AddParameter("hf-token", secret: true).WithKubernetesSecretKey("hf-token")
        : null;

    // The colos: each an independent node (gateway, Triton, sidecar) over its own volumes.
    var colos = new List<(string Name, ColoOptions Options, ColoNode Node)>();
    foreach (var (name, options) in fleet.Colos)
    {
        var volumes = builder.ExecutionContext.IsPublishMode ? NodeVolumes.InContainers : NodeVolumes.For(dataRoot, name);
        if (builder.ExecutionContext.IsRunMode)
        {
            volumes.Create();
        }
        var node = builder.AddColoNode(name, options, runtime, fleet.Triton, volumes, auth);
        if (hub is not null)
        {
            node.Gateway.WithHubEndpoint(hub);
        }
        if (hubToken is not null)
        {
            node.Gateway.WithEnvironment("HF_TOKEN", hubToken);
        }
        if (faultKey is not null)
        {
            node.Gateway.WithFaults(options, faultKey);
        }
        colos.Add((name, options, node));
    }

    builder.AddControlPlane(fleet, database, colos, controlPlaneSecrets);

    // `--operation publish --step publish --output-path aspirate-output` writes this graph as MicroK8s manifests.
    builder.AddKubernetesManifests();
}
catch (FleetSetupException error)
{
    Console.Error.WriteLine(error.Message);
    return 1;
}

builder.Build().Run();
return 0;
