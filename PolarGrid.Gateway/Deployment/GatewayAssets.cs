using System.Text.Json;
using PolarGrid.Gateway.Models;
using PolarGrid.Staging;

namespace PolarGrid.Gateway.Deployment;

/// <summary>
/// The gateway's own copy of a model's tokenizer files and descriptor (<c>&lt;DataPath&gt;/models/&lt;name&gt;</c>).
/// A job prepares them aside and swaps them in only when Triton has the model ready, so a failed re-load leaves the
/// assets of the version that keeps serving.
/// </summary>
public sealed class GatewayAssets(ModelCatalog catalog, ILogger<GatewayAssets> logger)
{
    public string PendingFor(string jobId) => Path.Combine(catalog.Root, $".pending-{StagingNames.RequireJobId(jobId)}");

    public async Task PrepareAsync(string jobId, ModelDescriptor descriptor, IEnumerable<string> files, CancellationToken cancellationToken)
    {
        var pending = PendingFor(jobId);
        AtomicFile.DeleteDirectory(pending);
        Directory.CreateDirectory(pending);
        foreach (var file in files)
        {
            File.Copy(file, Path.Combine(pending, Path.GetFileName(file)), overwrite: true);
        }
        await AtomicFile.WriteJsonAsync(Path.Combine(pending, ModelDescriptor.FileName), descriptor, ModelDescriptorJsonContext.Default.ModelDescriptor, cancellationToken);
    }

    /// <summary>Puts the prepared assets in place of the current ones. Idempotent, so a restarted job can repeat it.</summary>
    public void Install(string jobId, string name)
    {
        var pending = PendingFor(jobId);
        var target = Path.Combine(catalog.Root, StagingNames.RequireModelName(name));
        if (!Directory.Exists(pending))
        {
            return; // Installed before a restart.
        }

        var retired = Path.Combine(catalog.Root, $".retired-{jobId}");
        if (Directory.Exists(target))
        {
            Directory.Move(target, retired);
        }
        Directory.Move(pending, target);
        catalog.Forget(name);
        AtomicFile.DeleteDirectory(retired);
        logger.LogInformation("Installed the gateway assets of {Model}", name);
    }

    public void Discard(string jobId) => AtomicFile.DeleteDirectory(PendingFor(jobId));

    public void Remove(string name)
    {
        var target = Path.Combine(catalog.Root, StagingNames.RequireModelName(name));
        if (Directory.Exists(target))
        {
            var retired = Path.Combine(catalog.Root, $".retired-{Guid.NewGuid():N}");
            Directory.Move(target, retired);
            catalog.Forget(name);
            AtomicFile.DeleteDirectory(retired);
        }
    }
}
