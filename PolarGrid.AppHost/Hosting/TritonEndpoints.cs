namespace PolarGrid.AppHost.Hosting;

/// <summary>Triton's three endpoint names and its default container ports.</summary>
public static class TritonEndpoints
{
    public const string Http = "http";
    public const string Grpc = "grpc";
    public const string Metrics = "metrics";

    public const int HttpPort = 8000;
    public const int GrpcPort = 8001;
    public const int MetricsPort = 8002;

    public const string ReadyPath = "/v2/health/ready";
}
