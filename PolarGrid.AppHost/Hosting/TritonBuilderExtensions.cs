using Aspire.Hosting.ApplicationModel;
using PolarGrid.AppHost.Fleet;

namespace PolarGrid.AppHost.Hosting;

public static class TritonBuilderExtensions
{
    /// <summary>
    /// The real Triton Inference Server image, in explicit model-control mode over <paramref name="modelRepository"/>.
    /// A GPU is requested when <paramref name="requestGpu"/> is set (a host with NVIDIA GPUs, or publishing).
    /// </summary>
    public static IResourceBuilder<ContainerResource> AddTritonContainer(
        this IDistributedApplicationBuilder builder, string name, TritonImageOptions image, string modelRepository, bool requestGpu)
    {
        var triton = builder.AddContainer(name, image.Image, image.Tag)
            .WithImageRegistry(image.Registry)
            .WithBindMount(modelRepository, "/models")
            .WithArgs(["tritonserver", .. TritonArguments(name, "/models", TritonEndpoints.GrpcPort, TritonEndpoints.HttpPort, TritonEndpoints.MetricsPort, address: null)])
            .WithHttpEndpoint(targetPort: TritonEndpoints.HttpPort, name: TritonEndpoints.Http)
            .WithHttpEndpoint(targetPort: TritonEndpoints.GrpcPort, name: TritonEndpoints.Grpc)
            .WithHttpEndpoint(targetPort: TritonEndpoints.MetricsPort, name: TritonEndpoints.Metrics)
            .WithHttpHealthCheck(TritonEndpoints.ReadyPath, endpointName: TritonEndpoints.Http)
            // Triton's Python backends share tensors through /dev/shm; Docker's 64 MB default is too small.
            .WithContainerRuntimeArgs("--shm-size=1g");

        if (requestGpu)
        {
            triton.WithAnnotation(new GpuRequestAnnotation(1));
            if (builder.ExecutionContext.IsRunMode)
            {
                triton.WithContainerRuntimeArgs("--gpus", "all");
            }
        }
        return triton;
    }

    /// <summary>
    /// PolarGrid's CPU inference server in Triton's place, started with Triton's own command line and bound to
    /// loopback only: nothing but its own colo's gateway and sidecar is given its address.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddInferenceServerProcess(
        this IDistributedApplicationBuilder builder, string name, string modelRepository)
    {
        var server = builder.AddProject<Projects.PolarGrid_InferenceServer>(name, project => project.ExcludeLaunchProfile = true)
            .WithLoopbackEndpoint(TritonEndpoints.Http)
            .WithLoopbackEndpoint(TritonEndpoints.Grpc)
            .WithLoopbackEndpoint(TritonEndpoints.Metrics)
            .WithHttpHealthCheck(TritonEndpoints.ReadyPath, endpointName: TritonEndpoints.Http);

        var resource = server.Resource;
        return server.WithArgs(context =>
        {
            foreach (var argument in TritonArguments(
                         name,
                         modelRepository,
                         resource.GetEndpoint(TritonEndpoints.Grpc).Property(EndpointProperty.TargetPort),
                         resource.GetEndpoint(TritonEndpoints.Http).Property(EndpointProperty.TargetPort),
                         resource.GetEndpoint(TritonEndpoints.Metrics).Property(EndpointProperty.TargetPort),
                         address: "127.0.0.1"))
            {
                context.Args.Add(argument);
            }
        });
    }

    /// <summary>The gRPC address a client on this host uses to reach the Triton behind <paramref name="triton"/>.</summary>
    /// <remarks>
    /// Locally that is loopback and the allocated port (the server binds 127.0.0.1 only); published, it is the endpoint
    /// itself, which the manifest emitter resolves to the Service (or loopback inside Triton's own pod).
    /// </remarks>
    public static ReferenceExpression GrpcAddress(this IResourceBuilder<IResourceWithEndpoints> triton)
    {
        var endpoint = triton.Resource.GetEndpoint(TritonEndpoints.Grpc);
        return triton.ApplicationBuilder.ExecutionContext.IsPublishMode
            ? ReferenceExpression.Create($"{endpoint}")
            : ReferenceExpression.Create($"http://127.0.0.1:{endpoint.Property(EndpointProperty.Port)}");
    }

    private static object[] TritonArguments(string id, string modelRepository, object grpcPort, object httpPort, object metricsPort, string? address)
    {
        List<object> args =
        [
            $"--id={id}",
            $"--model-repository={modelRepository}",
            "--model-control-mode=explicit",
            // Node health is per model (the gateway reports each one); one model failing to load must not make
            // the whole server unready.
            "--strict-readiness=false",
            "--grpc-port", grpcPort,
            "--http-port", httpPort,
            "--metrics-port", metricsPort,
        ];
        if (address is not null)
        {
            args.AddRange(["--grpc-address", address, "--http-address", address, "--metrics-address", address]);
        }
        return [.. args];
    }

    private static IResourceBuilder<ProjectResource> WithLoopbackEndpoint(this IResourceBuilder<ProjectResource> builder, string name) =>
        builder.WithHttpEndpoint(name: name, isProxied: false)
            .WithEndpoint(name, endpoint => endpoint.TargetHost = "127.0.0.1");
}
