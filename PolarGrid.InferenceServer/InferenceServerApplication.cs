using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using PolarGrid.InferenceServer.Backends;
using PolarGrid.InferenceServer.Backends.GenAi;
using PolarGrid.InferenceServer.Backends.Onnx;
using PolarGrid.InferenceServer.Grpc;
using PolarGrid.InferenceServer.Http;
using PolarGrid.InferenceServer.Repository;

namespace PolarGrid.InferenceServer;

/// <summary>The server, as a table of contents: its listeners, its services and its routes.</summary>
public static class InferenceServerApplication
{
    public static WebApplication Build(ServerOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        configure?.Invoke(builder);
        builder.AddServiceDefaults();

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // gRPC gets its own HTTP/2-only port, as Triton does: without TLS there is no ALPN to negotiate HTTP/2.
            if (options.AllowGrpc)
            {
                kestrel.Listen(IPAddress.Parse(options.GrpcAddress), options.GrpcPort, l => l.Protocols = HttpProtocols.Http2);
            }
            if (options.AllowHttp)
            {
                kestrel.Listen(IPAddress.Parse(options.HttpAddress), options.HttpPort, l => l.Protocols = HttpProtocols.Http1);
            }
            if (options.AllowMetrics)
            {
                kestrel.Listen(IPAddress.Parse(options.MetricsAddress), options.MetricsPort, l => l.Protocols = HttpProtocols.Http1);
            }
            // Many long token streams share few connections.
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1024;
        });

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ServerState>();
        builder.Services.AddSingleton<ModelRepository>();
        builder.Services.AddSingleton<IModelBackend, OnnxBackend>();
        builder.Services.AddSingleton<IModelBackend, GenAiBackend>();
        builder.Services.AddSingleton<ModelManager>();
        builder.Services.AddHostedService<StartupModelLoader>();
        builder.Services.AddGrpc(grpc =>
        {
            // Triton accepts messages up to 2 GB; Grpc's 4 MB default would refuse ordinary embedding batches.
            grpc.MaxReceiveMessageSize = int.MaxValue;
            grpc.MaxSendMessageSize = null;
        });
        builder.Services.AddGrpcHealthChecks();

        var app = builder.Build();

        if (options.AllowGrpc)
        {
            var grpcHost = $"*:{options.GrpcPort}";
            app.MapGrpcService<InferenceService>().RequireHost(grpcHost);
            app.MapGrpcHealthChecksService().RequireHost(grpcHost);
        }
        if (options.AllowHttp)
        {
            app.MapTritonHealthApi($"*:{options.HttpPort}");
        }
        if (options.AllowMetrics)
        {
            app.MapTritonMetrics($"*:{options.MetricsPort}");
        }

        var state = app.Services.GetRequiredService<ServerState>();
        app.Lifetime.ApplicationStarted.Register(state.MarkStarted);
        app.Lifetime.ApplicationStopping.Register(state.MarkStopping);
        return app;
    }
}
