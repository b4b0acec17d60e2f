using System.Globalization;
using Microsoft.Extensions.Options;
using PolarGrid.Staging;

namespace PolarGrid.Sidecar.Repository;

/// <summary>
/// Triton's model repository as the sidecar lays it out: <c>&lt;root&gt;/&lt;model&gt;/config.pbtxt</c> and
/// numeric version folders, plus dot-named work folders that Triton never looks at.
/// </summary>
/// <remarks>
/// <code>
/// &lt;root&gt;/.incoming-&lt;job&gt;/            a brand-new model being assembled
/// &lt;root&gt;/&lt;model&gt;/.incoming-&lt;job&gt;/    a new version being copied and verified
/// &lt;root&gt;/.trash-&lt;job&gt;-&lt;name&gt;/        something being deleted (renamed first, so a crash never leaves half a model)
/// &lt;root&gt;/.sidecar/&lt;job&gt;.json        the journal of an installation not yet settled
/// </code>
/// Triton ignores every folder whose name starts with a dot, both as a model and as a version, so none of these
/// can ever be loaded by accident.
/// </remarks>
public sealed class ModelRepositoryFolder(IOptions<NodeOptions> node, IOptions<SidecarOptions> sidecar)
{
    public const string ConfigFileName = "config.pbtxt";
    public const string IncomingPrefix = ".incoming-";
    public const string TrashPrefix = ".trash-";

    public string Root { get; } = Path.GetFullPath(node.Value.ModelRepositoryPath);

    /// <summary>The same repository as Triton's process sees it.</summary>
    public string TritonRoot { get; } = string.IsNullOrWhiteSpace(sidecar.Value.TritonModelRepositoryPath)
        ? Path.GetFullPath(node.Value.ModelRepositoryPath)
        : sidecar.Value.TritonModelRepositoryPath;

    public string JournalRoot => Path.Combine(Root, ".sidecar");

    public string ModelFolder(string model) => Path.Combine(Root, StagingNames.RequireModelName(model));

    public string TritonModelFolder(string model) => Path.Combine(TritonRoot, StagingNames.RequireModelName(model));

    public static string ConfigIn(string modelFolder) => Path.Combine(modelFolder, ConfigFileName);

    public static string IncomingIn(string parent, string jobId) => Path.Combine(parent, IncomingPrefix + jobId);

    /// <summary>The model folders Triton would find: every folder not starting with a dot whose name we accept.</summary>
    public IReadOnlyList<string> Models() =>
        Directory.Exists(Root)
            ? Directory.GetDirectories(Root)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Where(name => !name.StartsWith('.') && StagingNames.IsValidModelName(name))
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];

    /// <summary>Triton's version folders: all digits, not starting with 0.</summary>
    public static bool IsVersionFolderName(string name) =>
        name is { Length: > 0 and <= 18 } && name[0] != '0' && name.All(char.IsAsciiDigit);

    public static IReadOnlyList<long> Versions(string modelFolder) =>
        Directory.Exists(modelFolder)
            ? Directory.GetDirectories(modelFolder)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Where(IsVersionFolderName)
                .Select(name => long.Parse(name, CultureInfo.InvariantCulture))
                .Order()
                .ToList()
            : [];

    public static string VersionFolder(string modelFolder, long version) =>
        Path.Combine(modelFolder, version.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Deletes a folder by first renaming it to a <c>.trash-</c> sibling: the rename is atomic, so Triton (or a crash)
    /// sees either the whole folder or none of it, never a model or version with half its files gone.
    /// </summary>
    public static void Discard(string path, string jobId)
    {
        if (!Directory.Exists(path))
        {
            return;
        }
        var parent = Path.GetDirectoryName(path)!;
        var trash = Path.Combine(parent, $"{TrashPrefix}{jobId}-{Path.GetFileName(path).TrimStart('.')}");
        AtomicFile.DeleteDirectory(trash);
        Directory.Move(path, trash);
        AtomicFile.DeleteDirectory(trash);
    }

    /// <summary>
    /// Removes what a crash can leave behind: half-copied <c>.incoming-*</c> folders and half-deleted <c>.trash-*</c>
    /// folders, at the top and inside every model folder. Returns what was removed.
    /// </summary>
    public IReadOnlyList<string> RemoveLeftovers()
    {
        var removed = new List<string>();
        if (!Directory.Exists(Root))
        {
            return removed;
        }
        foreach (var folder in Directory.GetDirectories(Root))
        {
            var name = Path.GetFileName(folder);
            if (IsLeftover(name))
            {
                AtomicFile.DeleteDirectory(folder);
                removed.Add(folder);
            }
            else if (!name.StartsWith('.'))
            {
                foreach (var inner in Directory.GetDirectories(folder).Where(inner => IsLeftover(Path.GetFileName(inner))))
                {
                    AtomicFile.DeleteDirectory(inner);
                    removed.Add(inner);
                }
            }
        }
        return removed;
    }

    private static bool IsLeftover(string name) =>
        name.StartsWith(IncomingPrefix, StringComparison.Ordinal) || name.StartsWith(TrashPrefix, StringComparison.Ordinal);
}
