namespace PolarGrid.Staging;

/// <summary>
/// The staging volume shared by a node's gateway (writer) and sidecar (reader). Its layout is the whole protocol
/// between the two, so both sides take every path from here.
/// </summary>
/// <remarks>
/// <code>
/// &lt;root&gt;/.incoming/&lt;job&gt;/          the gateway's work area (downloads, conversion); the sidecar never looks here
/// &lt;root&gt;/queue/&lt;job&gt;/              a complete package: package.json (+ model/ for a load), moved in whole by one rename
/// &lt;root&gt;/results/&lt;job&gt;.json        what the sidecar made of the package, written atomically
/// </code>
/// A package becomes visible in <c>queue/</c> only by a directory rename on the same volume, so the sidecar can never
/// see one half-written.
/// </remarks>
public sealed class StagingLayout(string root)
{
    public const string PackageFileName = "package.json";
    public const string ModelFolderName = "model";

    public string Root { get; } = Path.GetFullPath(root);

    public string IncomingRoot => Path.Combine(Root, ".incoming");

    public string QueueRoot => Path.Combine(Root, "queue");

    public string ResultsRoot => Path.Combine(Root, "results");

    public string IncomingFor(string jobId) => Path.Combine(IncomingRoot, StagingNames.RequireJobId(jobId));

    public string PackageFor(string jobId) => Path.Combine(QueueRoot, StagingNames.RequireJobId(jobId));

    public string ResultFor(string jobId) => Path.Combine(ResultsRoot, StagingNames.RequireJobId(jobId) + ".json");

    public static string ManifestIn(string packageDirectory) => Path.Combine(packageDirectory, PackageFileName);

    public static string ModelIn(string packageDirectory) => Path.Combine(packageDirectory, ModelFolderName);

    public void EnsureCreated()
    {
        Directory.CreateDirectory(IncomingRoot);
        Directory.CreateDirectory(QueueRoot);
        Directory.CreateDirectory(ResultsRoot);
    }

    /// <summary>Job ids of the packages waiting in the queue, oldest first by name (ids sort by creation time).</summary>
    public IReadOnlyList<string> QueuedJobs() =>
        Directory.Exists(QueueRoot)
            ? Directory.GetDirectories(QueueRoot)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Where(StagingNames.IsValidJobId)
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];
}
