using Aspire.Hosting.ApplicationModel;
using PolarGrid.AppHost.Fleet;
using PolarGrid.AppHost.Kubernetes;
using PolarGrid.AppHost.Runtime;

namespace PolarGrid.AppHost.Hosting;

/// <summary>The resources of one colo's node.</summary>
public sealed record ColoNode(
    IResourceBuilder<ColoResource> Colo,
    IResourceBuilder<ProjectResource> Gateway,
    IResourceBuilder<IResourceWithEndpoints> Triton,
    IResourceBuilder<ProjectResource> Sidecar);

public static class ColoNodeBuilderExtensions
{
    public const string GatewayEndpoint = "http";

    /// <summary>
    /// Adds a colo and its node: <c>&lt;colo&gt;-gateway</c>, <c>&lt;colo&gt;-triton</c> and <c>&lt;colo&gt;-sidecar</c>.
    /// Only this colo's gateway and sidecar are given this colo's Triton address.
    /// </summary>
    public static ColoNode AddColoNode(
        this IDistributedApplicationBuilder builder, string name, ColoOptions options, RuntimeChoice runtime,
        TritonImageOptions tritonImage, NodeVolumes volumes, FleetAuth auth)
    {
        var colo = builder.AddColo(name, options.City, options.Region, auth.LocalToken);

        IResourceBuilder<IResourceWithEndpoints> triton = runtime.Runtime == FleetRuntime.Containers
            ? builder.AddTritonContainer($"{name}-triton", tritonImage, volumes.Models,
                requestGpu: runtime.HasNvidiaGpu || builder.ExecutionContext.IsPublishMode)
            : builder.AddInferenceServerProcess($"{name}-triton", volumes.Models);
        // A node's parts come back by themselves when they die, as a pod's containers do; the sidecar's reconcile then
        // loads the repository's models into a restarted Triton.
        triton.WithParentRelationship(colo).WithKubernetesRole(KubernetesRole.Triton, name).WithRestartOnCrash();

        var gateway = builder.AddProject<Projects.PolarGrid_Gateway>($"{name}-gateway", project => project.ExcludeLaunchProfile = true)
            .WithHttpEndpoint(port: options.GatewayPort > 0 ? options.GatewayPort : null, name: GatewayEndpoint, isProxied: false)
            .WithExternalHttpEndpoints()
            .WithEnvironment("Node__Colo", name)
            .WithEnvironment("Node__StagingPath", volumes.Staging)
            .WithEnvironment("Node__DataPath", volumes.GatewayData)
            .WithEnvironment("Triton__Endpoint", triton.GrpcAddress())
            // What this node's Triton can serve decides which model formats its gateway accepts.
            .WithEnvironment("Deployment__Flavour", runtime.Runtime == FleetRuntime.Containers ? "Triton" : "PolarGridCpu")
            .WithEnvironment("Deployment__Device", runtime.Runtime == FleetRuntime.Containers && (runtime.HasNvidiaGpu || builder.ExecutionContext.IsPublishMode) ? "Gpu" : "Cpu")
            .WithReferenceRelationship(triton.Resource)
            .WithHttpHealthCheck("/health", endpointName: GatewayEndpoint)
            .WithParentRelationship(colo)
            .WithKubernetesRole(KubernetesRole.Gateway, name)
            // The internet-facing part of a node runs in its own VM on a cluster.
            .WithVmIsolation()
            .WithRestartOnCrash();
        if (builder.ExecutionContext.IsRunMode)
        {
            // The local fleet is plain HTTP on loopback; deployed gateways terminate TLS (Tls:CertificatePath).
            gateway.WithEnvironment("Tls__AllowPlainHttp", "true");
        }
        auth.Configure(gateway);

        var sidecar = builder.AddProject<Projects.PolarGrid_Sidecar>($"{name}-sidecar", project => project.ExcludeLaunchProfile = true)
            .WithHttpEndpoint(name: "http", isProxied: false)
            .WithEndpoint("http", endpoint => endpoint.TargetHost = "127.0.0.1")
            .WithEnvironment("Node__Colo", name)
            .WithEnvironment("Node__StagingPath", volumes.Staging)
            .WithEnvironment("Node__ModelRepositoryPath", volumes.Models)
            .WithEnvironment("Triton__Endpoint", triton.GrpcAddress())
            .WithReferenceRelationship(triton.Resource)
            .WithHttpHealthCheck("/health", endpointName: "http")
            .WithParentRelationship(colo)
            .WithKubernetesRole(KubernetesRole.Sidecar, name)
            .WithRestartOnCrash();
        if (runtime.Runtime == FleetRuntime.Containers)
        {
            // Triton's container mounts the repository at /models (AddTritonContainer); paths the sidecar writes into
            // model files for Triton (a vLLM model.json) must be the ones Triton sees.
            sidecar.WithEnvironment("Sidecar__TritonModelRepositoryPath", "/models");
        }

        return new ColoNode(colo, gateway, triton, sidecar);
    }
}
