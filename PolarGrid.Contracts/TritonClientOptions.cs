namespace PolarGrid.Contracts;

/// <summary>Where a node's Triton (or our CPU stand-in) answers gRPC. Bound from the <c>Triton</c> section.</summary>
public sealed class TritonClientOptions
{
    public const string SectionName = "Triton";

    /// <summary>The gRPC endpoint, e.g. <c>http://127.0.0.1:8001</c> (h2c) or <c>https://triton:8001</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// Largest message accepted from Triton. Grpc.Net.Client's 4 MB default is too small for embeddings of
    /// long batches; Triton itself allows up to 2 GB.
    /// </summary>
    public int MaxReceiveMessageBytes { get; set; } = 256 * 1024 * 1024;

    /// <summary>Deadline for the small control calls (health, metadata, index).</summary>
    public TimeSpan ControlCallTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
