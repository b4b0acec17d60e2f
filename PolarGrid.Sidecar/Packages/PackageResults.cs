using System.Text.Json;
using PolarGrid.Staging;

namespace PolarGrid.Sidecar.Packages;

/// <summary><c>results/&lt;job&gt;.json</c>, the sidecar's only way to answer the gateway.</summary>
public sealed class PackageResults(StagingLayout layout, TimeProvider time)
{
    /// <summary>The job's result, or null when there is none (or only a torn one, which cannot happen with atomic writes).</summary>
    public async Task<PackageResult?> ReadAsync(string jobId, CancellationToken cancellationToken)
    {
        try
        {
            return await PackageResult.TryReadAsync(layout, jobId, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public async Task<PackageResult> WriteAsync(
        string jobId, string model, PackageState state, string? reason, long? version, CancellationToken cancellationToken)
    {
        var result = new PackageResult(jobId, model, state, time.GetUtcNow(), reason, version);
        await result.WriteAsync(layout, cancellationToken);
        return result;
    }
}
