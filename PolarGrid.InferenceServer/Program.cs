using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using PolarGrid.InferenceServer;
using PolarGrid.InferenceServer.Grpc;
using PolarGrid.InferenceServer.Http;

ServerOptions options;
try
{
    options = CommandLine.Parse(args);
}
catch (CommandLineException error)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
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
});

builder.Services.AddSingleton(options);
builder.Services.AddSingleton<ServerState>();
builder.Services.AddGrpc();
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

var state = app.Services.GetRequiredService<ServerState>();
app.Lifetime.ApplicationStarted.Register(state.MarkStarted);
app.Lifetime.ApplicationStopping.Register(state.MarkStopping);

await app.RunAsync();
return 0;
