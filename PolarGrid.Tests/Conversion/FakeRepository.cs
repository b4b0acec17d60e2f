using PolarGrid.Conversion;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Conversion;

/// <summary>
/// A Hugging Face repository as a folder: its listing is what the Hub's tree API gives, and a "download" copies
/// exactly the planned files to their repo-relative paths, as the gateway's downloader does.
/// </summary>
public sealed class FakeRepository : IDisposable
{
    private readonly ScratchDirectory _files = new("polargrid-fake-repo");
    private readonly ScratchDirectory _work = new("polargrid-conversion");

    /// <summary>Where the planned files are downloaded to.</summary>
    public string DownloadDirectory => Path.Combine(_work.Path, "download");

    /// <summary>The (absent) Triton model directory conversion fills.</summary>
    public string ModelDirectory => Path.Combine(_work.Path, "model");

    public string PathOf(string repoPath) => Path.Combine(_files.Path, repoPath);

    public string DownloadedPath(string repoPath) => Path.Combine(DownloadDirectory, repoPath);

    public string ModelPath(string relative) => Path.Combine(ModelDirectory, relative);

    public FakeRepository Text(string repoPath, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(repoPath))!);
        File.WriteAllText(PathOf(repoPath), content);
        return this;
    }

    public FakeRepository Bytes(string repoPath, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(repoPath))!);
        File.WriteAllBytes(PathOf(repoPath), content);
        return this;
    }

    public FakeRepository Folder(string repoFolder, string source)
    {
        TestModels.CopyDirectory(source, PathOf(repoFolder));
        return this;
    }

    public IReadOnlyList<RepoFile> Listing() => Directory
        .EnumerateFiles(_files.Path, "*", SearchOption.AllDirectories)
        .Select(file => new RepoFile(Path.GetRelativePath(_files.Path, file).Replace(Path.DirectorySeparatorChar, '/'), new FileInfo(file).Length))
        .Order(Comparer<RepoFile>.Create((a, b) => string.CompareOrdinal(a.Path, b.Path)))
        .ToList();

    public ConversionPlan Plan(ConversionOptions options, string? subfolder = null) => ModelConverter.Plan(Listing(), subfolder, options);

    public void Download(ConversionPlan plan)
    {
        foreach (var file in plan.Files)
        {
            var target = DownloadedPath(file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(PathOf(file.Path), target);
        }
    }

    /// <summary>Plan, download, convert: the gateway's model-load job.</summary>
    public async Task<ConversionResult> ConvertAsync(ConversionOptions options, string modelName, string? subfolder = null)
    {
        var plan = Plan(options, subfolder);
        Download(plan);
        return await ModelConverter.ConvertAsync(plan, DownloadDirectory, ModelDirectory, modelName, CancellationToken.None);
    }

    /// <summary>Files under the model directory, relative, with '/'.</summary>
    public string[] ModelFiles() => Directory.Exists(ModelDirectory)
        ? Directory.EnumerateFiles(ModelDirectory, "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(ModelDirectory, file).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToArray()
        : [];

    public void Dispose()
    {
        _files.Dispose();
        _work.Dispose();
    }
}
