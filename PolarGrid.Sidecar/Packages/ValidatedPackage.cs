using Inference;
using PolarGrid.Staging;

namespace PolarGrid.Sidecar.Packages;

/// <summary>A load package whose manifest, files and config have been checked against each other.</summary>
/// <param name="Manifest">The package's <c>package.json</c>.</param>
/// <param name="ModelDirectory">The package's <c>model/</c> folder.</param>
/// <param name="Config">The package's <c>config.pbtxt</c>, parsed.</param>
/// <param name="VersionFolder">The one version folder the package carries (its number is not kept: the sidecar numbers versions).</param>
/// <param name="VersionFiles">The files of that folder, with paths relative to it.</param>
/// <param name="VllmLocalModelPath">
/// For a vLLM model whose <c>model.json</c> names weights shipped in the package: that path, relative to the version
/// folder, to be made absolute once the version's final place is known. Null otherwise.
/// </param>
public sealed record ValidatedPackage(
    StagedPackage Manifest,
    string ModelDirectory,
    ModelConfig Config,
    string VersionFolder,
    IReadOnlyList<StagedFile> VersionFiles,
    string? VllmLocalModelPath)
{
    public string Model => Manifest.Model;

    public string JobId => Manifest.JobId;
}
