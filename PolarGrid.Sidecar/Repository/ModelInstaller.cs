using System.Text.Json;
using System.Text.Json.Nodes;
using Inference;
using PolarGrid.Contracts;
using PolarGrid.Sidecar.Packages;
using PolarGrid.Staging;

namespace PolarGrid.Sidecar.Repository;

/// <summary>
/// Puts a validated package into Triton's repository as a new version, so that the version Triton serves now is never
/// touched: the new files are copied and verified in a dot folder Triton ignores, appear by one rename, and only then
/// does <c>config.pbtxt</c> (replaced atomically) point Triton at them. Every step can be undone from the journal.
/// </summary>
public sealed class ModelInstaller(ModelRepositoryFolder repository, InstallJournals journals, ILogger<ModelInstaller> logger)
{
    private const int CopyBufferBytes = 1 << 20;

    /// <summary>
    /// Installs <paramref name="package"/> and returns its journal; the model is not loaded yet. On any failure what was
    /// done is undone before the exception leaves.
    /// </summary>
    /// <exception cref="PackageRejectedException">A copy does not match the manifest's hash.</exception>
    public async Task<InstallJournal> InstallAsync(ValidatedPackage package, CancellationToken cancellationToken)
    {
        var modelFolder = repository.ModelFolder(package.Model);
        var newModel = !Directory.Exists(modelFolder);
        // A new version number each time: the running version's folder is never written to, and Triton sees the
        // change as a version switch it knows how to do without dropping requests.
        var version = newModel ? 1 : ModelRepositoryFolder.Versions(modelFolder).DefaultIfEmpty(0).Max() + 1;
        var configPath = ModelRepositoryFolder.ConfigIn(modelFolder);
        var previousConfig = !newModel && File.Exists(configPath) ? await File.ReadAllTextAsync(configPath, cancellationToken) : null;

        var journal = new InstallJournal(package.JobId, package.Model, version, newModel, previousConfig);
        Directory.CreateDirectory(repository.JournalRoot);
        await journals.WriteAsync(journal, cancellationToken);

        // A brand-new model is assembled whole beside the others; a new version is assembled inside its model folder.
        var incoming = ModelRepositoryFolder.IncomingIn(newModel ? repository.Root : modelFolder, package.JobId);
        var versionTarget = newModel ? ModelRepositoryFolder.VersionFolder(incoming, version) : incoming;
        try
        {
            AtomicFile.DeleteDirectory(incoming);
            await CopyVerifiedAsync(package, versionTarget, cancellationToken);
            if (package.VllmLocalModelPath is { } local)
            {
                var weights = Path.Join(repository.TritonModelFolder(package.Model), version.ToString(System.Globalization.CultureInfo.InvariantCulture), local);
                await PointVllmAtAsync(Path.Combine(versionTarget, PackageValidator.VllmModelFile), weights, cancellationToken);
            }
            var config = ConfigFor(package, version);

            // From here on nothing is cancelled half-way: these are two short steps that belong together.
            if (newModel)
            {
                await AtomicFile.WriteTextAsync(ModelRepositoryFolder.ConfigIn(incoming), config, CancellationToken.None);
                Directory.Move(incoming, modelFolder);
            }
            else
            {
                Directory.Move(incoming, ModelRepositoryFolder.VersionFolder(modelFolder, version));
                await AtomicFile.WriteTextAsync(configPath, config, CancellationToken.None);
            }
            logger.LogInformation("Installed {Model} version {Version} from job {JobId}", package.Model, version, package.JobId);
            return journal;
        }
        catch
        {
            await RollBackAsync(journal);
            throw;
        }
    }

    /// <summary>
    /// The new version is loaded, so the installation is settled: the journal goes first (nothing must undo a version
    /// Triton serves), then the older versions (Triton has already let them go; the config no longer names them).
    /// </summary>
    public void Commit(InstallJournal journal)
    {
        journals.Delete(journal.JobId);
        var modelFolder = repository.ModelFolder(journal.Model);
        foreach (var old in ModelRepositoryFolder.Versions(modelFolder).Where(version => version != journal.Version))
        {
            try
            {
                ModelRepositoryFolder.Discard(ModelRepositoryFolder.VersionFolder(modelFolder, old), journal.JobId);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // Harmless where it is; the next installation of this model removes it.
                logger.LogWarning("Could not remove {Model} version {Version}: {Reason}", journal.Model, old, error.Message);
            }
        }
    }

    /// <summary>
    /// Puts the repository back as it was before the job: a brand-new model folder goes entirely; otherwise the previous
    /// <c>config.pbtxt</c> comes back (so Triton keeps, and after a restart reloads, the version that worked) and the new
    /// version folder goes. Safe to repeat, and safe on a half-done installation.
    /// </summary>
    public async Task RollBackAsync(InstallJournal journal)
    {
        var modelFolder = repository.ModelFolder(journal.Model);
        if (journal.NewModel)
        {
            AtomicFile.DeleteDirectory(ModelRepositoryFolder.IncomingIn(repository.Root, journal.JobId));
            ModelRepositoryFolder.Discard(modelFolder, journal.JobId);
        }
        else if (Directory.Exists(modelFolder))
        {
            AtomicFile.DeleteDirectory(ModelRepositoryFolder.IncomingIn(modelFolder, journal.JobId));
            var configPath = ModelRepositoryFolder.ConfigIn(modelFolder);
            if (journal.PreviousConfig is { } previous)
            {
                await AtomicFile.WriteTextAsync(configPath, previous, CancellationToken.None);
            }
            else
            {
                File.Delete(configPath);
            }
            ModelRepositoryFolder.Discard(ModelRepositoryFolder.VersionFolder(modelFolder, journal.Version), journal.JobId);
        }
        journals.Delete(journal.JobId);
        logger.LogInformation("Rolled back job {JobId} for {Model} (version {Version})", journal.JobId, journal.Model, journal.Version);
    }

    /// <summary>
    /// Copies the package's version folder and checks each copy's SHA-256 against the manifest: what Triton will read
    /// is exactly what the gateway staged, whatever happened to the staged files or the copy on the way.
    /// </summary>
    private static async Task CopyVerifiedAsync(ValidatedPackage package, string target, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(target);
        var source = Path.Combine(package.ModelDirectory, package.VersionFolder);
        foreach (var file in package.VersionFiles)
        {
            var from = SafeRelativePath.Combine(source, file.Path);
            var to = SafeRelativePath.Combine(target, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            await using (var input = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.Read, CopyBufferBytes,
                             FileOptions.Asynchronous | FileOptions.SequentialScan))
            await using (var output = new FileStream(to, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferBytes,
                             FileOptions.Asynchronous))
            {
                await input.CopyToAsync(output, CopyBufferBytes, cancellationToken);
                output.Flush(flushToDisk: true);
            }

            var hash = await AtomicFile.Sha256Async(to, cancellationToken);
            if (!string.Equals(hash, file.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new PackageRejectedException(
                    $"model/{package.VersionFolder}/{file.Path} has sha256 {hash}; package.json says {file.Sha256.ToLowerInvariant()}.");
            }
        }
    }

    /// <summary>vLLM runs in Triton's process, so the weights' path must be the one Triton sees.</summary>
    private static async Task PointVllmAtAsync(string modelJson, string weights, CancellationToken cancellationToken)
    {
        var engine = JsonNode.Parse(await File.ReadAllTextAsync(modelJson, cancellationToken))!.AsObject();
        engine["model"] = weights;
        await File.WriteAllTextAsync(modelJson, engine.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
    }

    /// <summary>The package's config, pinned to exactly the new version: Triton loads it and lets the old one go.</summary>
    private static string ConfigFor(ValidatedPackage package, long version)
    {
        var config = package.Config.Clone();
        config.VersionPolicy = new ModelVersionPolicy { Specific = new ModelVersionPolicy.Types.Specific { Versions = { version } } };
        var origin = package.Manifest.Source is { Length: > 0 } source
            ? $" ({source}{(package.Manifest.Commit is { Length: > 0 } commit ? "@" + commit : "")})"
            : "";
        // The origin comes from package.json: a line break in it must not become a line of configuration.
        origin = string.Concat(origin.Select(c => char.IsControl(c) ? '?' : c));
        return $"# Installed by the PolarGrid sidecar from job {package.JobId}{origin}.\n" + ProtobufTextFormat.Format(config);
    }
}
