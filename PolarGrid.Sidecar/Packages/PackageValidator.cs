using System.Text.Json;
using System.Text.Json.Nodes;
using Inference;
using Microsoft.Extensions.Options;
using PolarGrid.Contracts;
using PolarGrid.Sidecar.Repository;
using PolarGrid.Staging;

namespace PolarGrid.Sidecar.Packages;

/// <summary>
/// Decides whether a package may go anywhere near Triton's repository. The gateway is trusted to mean well, not to be
/// bug-free, and the staging volume may be shared: everything is checked before one byte is copied.
/// </summary>
public sealed class PackageValidator(IOptions<SidecarOptions> options)
{
    public const string VllmBackend = "vllm";
    public const string VllmModelFile = "model.json";

    // config.pbtxt and model.json are read whole; anything bigger than this is not a configuration.
    private const long MaxConfigBytes = 1024 * 1024;

    // Packages are Triton model folders, a few levels deep at most; a deeper tree is a mistake or an attack.
    private const int MaxDepth = 32;

    /// <summary>Checks what any package must satisfy: it is the job its folder says, for a model we may name.</summary>
    public static void CheckIdentity(string packageDirectory, StagedPackage package)
    {
        var folder = Path.GetFileName(packageDirectory);
        if (!StagingNames.IsValidJobId(package.JobId))
        {
            throw new PackageRejectedException($"package.json: '{package.JobId}' is not a valid job id.");
        }
        if (!string.Equals(package.JobId, folder, StringComparison.Ordinal))
        {
            throw new PackageRejectedException($"package.json names job '{package.JobId}' but the package is queue/{folder}.");
        }
        if (!StagingNames.IsValidModelName(package.Model))
        {
            throw new PackageRejectedException($"package.json: '{package.Model}' is not a valid model name.");
        }
    }

    /// <exception cref="PackageRejectedException">The package is not installable; the message says why.</exception>
    public async Task<ValidatedPackage> ValidateLoadAsync(string packageDirectory, StagedPackage package, CancellationToken cancellationToken)
    {
        CheckIdentity(packageDirectory, package);
        var listed = CheckManifest(package);
        var versionFolder = CheckShape(listed.Keys);

        var modelDirectory = StagingLayout.ModelIn(packageDirectory);
        var root = new DirectoryInfo(modelDirectory);
        if (!root.Exists)
        {
            throw new PackageRejectedException("The package has no model/ folder.");
        }
        if (root.LinkTarget is not null)
        {
            throw new PackageRejectedException("model/ is a symbolic link; packages must hold plain files.");
        }
        var found = new HashSet<string>(StringComparer.Ordinal);
        CheckTree(root, "", 0, listed, found);
        if (listed.Keys.Where(path => !found.Contains(path)).Order(StringComparer.Ordinal).FirstOrDefault() is { } missing)
        {
            throw new PackageRejectedException($"'{missing}' is listed in package.json but missing from model/.");
        }

        var config = await ReadConfigAsync(modelDirectory, package.Model, cancellationToken);
        var vllmPath = config.Backend == VllmBackend
            ? await ReadVllmModelPathAsync(modelDirectory, versionFolder, listed, cancellationToken)
            : null;

        var prefix = versionFolder + "/";
        var versionFiles = listed.Values
            .Where(file => file.Path.StartsWith(prefix, StringComparison.Ordinal))
            .Select(file => file with { Path = file.Path[prefix.Length..] })
            .OrderBy(file => file.Path, StringComparer.Ordinal)
            .ToList();
        return new ValidatedPackage(package, modelDirectory, config, versionFolder, versionFiles, vllmPath);
    }

    /// <summary>Paths safe, none twice, sizes within limits, hashes well-formed.</summary>
    private Dictionary<string, StagedFile> CheckManifest(StagedPackage package)
    {
        if (package.Files is not { Count: > 0 } files)
        {
            throw new PackageRejectedException("package.json lists no files; a load package lists every file of model/.");
        }

        var limits = options.Value;
        var listed = new Dictionary<string, StagedFile>(StringComparer.Ordinal);
        long total = 0;
        foreach (var file in files)
        {
            if (file is null || !SafeRelativePath.IsSafe(file.Path))
            {
                throw new PackageRejectedException(
                    $"package.json lists the unsafe path '{file?.Path}' (absolute, '..', '.', backslash or control characters are refused).");
            }
            if (!listed.TryAdd(file.Path, file))
            {
                throw new PackageRejectedException($"package.json lists '{file.Path}' twice.");
            }
            if (file.Size < 0)
            {
                throw new PackageRejectedException($"package.json gives '{file.Path}' a negative size.");
            }
            if (file.Size > limits.MaxFileBytes)
            {
                throw new PackageRejectedException(
                    $"'{file.Path}' is {file.Size} bytes; the limit per file is {limits.MaxFileBytes} (Sidecar:MaxFileBytes).");
            }
            total += file.Size; // Cannot overflow: each size is at most MaxFileBytes and the sum is checked as it grows.
            if (total > limits.MaxModelBytes)
            {
                throw new PackageRejectedException(
                    $"The package is over {limits.MaxModelBytes} bytes, the limit per model (Sidecar:MaxModelBytes).");
            }
            if (!IsSha256(file.Sha256))
            {
                throw new PackageRejectedException($"package.json gives '{file.Path}' the sha256 '{file.Sha256}', which is not 64 hex digits.");
            }
        }
        return listed;
    }

    /// <summary>
    /// A package is one Triton model folder with one version: <c>config.pbtxt</c> and <c>&lt;n&gt;/…</c>. Anything
    /// beside them (label files, a second version) would have to be merged into the live model folder, which could
    /// not be undone atomically, so it is refused.
    /// </summary>
    private static string CheckShape(IEnumerable<string> paths)
    {
        string? version = null;
        var hasConfig = false;
        foreach (var path in paths)
        {
            if (path == ModelRepositoryFolder.ConfigFileName)
            {
                hasConfig = true;
                continue;
            }
            var slash = path.IndexOf('/', StringComparison.Ordinal);
            var top = slash < 0 ? path : path[..slash];
            if (slash < 0 || !ModelRepositoryFolder.IsVersionFolderName(top))
            {
                throw new PackageRejectedException(
                    $"'{path}' is neither config.pbtxt nor inside a version folder; a package holds config.pbtxt and one version folder.");
            }
            if (version is not null && version != top)
            {
                throw new PackageRejectedException($"The package holds version folders '{version}' and '{top}'; it must hold exactly one.");
            }
            version = top;
        }
        if (!hasConfig)
        {
            throw new PackageRejectedException("The package has no config.pbtxt.");
        }
        return version ?? throw new PackageRejectedException("The package has no version folder (model/1/...).");
    }

    /// <summary>What is on disk is exactly what the manifest lists: no extra files, no links, the listed sizes.</summary>
    private static void CheckTree(DirectoryInfo directory, string prefix, int depth, Dictionary<string, StagedFile> listed, HashSet<string> found)
    {
        if (depth > MaxDepth)
        {
            throw new PackageRejectedException($"model/{prefix} is nested more than {MaxDepth} folders deep.");
        }
        // AttributesToSkip = 0: on Unix a leading dot makes a file "hidden", and hidden files must be checked too.
        var enumeration = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false };
        foreach (var entry in directory.EnumerateFileSystemInfos("*", enumeration))
        {
            var relative = prefix + entry.Name;
            if (entry.LinkTarget is not null || entry.Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                throw new PackageRejectedException($"model/{relative} is a symbolic link; packages must hold plain files.");
            }
            if (entry is DirectoryInfo folder)
            {
                CheckTree(folder, relative + "/", depth + 1, listed, found);
                continue;
            }
            if (!listed.TryGetValue(relative, out var file))
            {
                throw new PackageRejectedException($"model/{relative} is not listed in package.json.");
            }
            var length = ((FileInfo)entry).Length;
            if (length != file.Size)
            {
                throw new PackageRejectedException($"model/{relative} is {length} bytes; package.json says {file.Size}.");
            }
            found.Add(relative);
        }
    }

    private static async Task<ModelConfig> ReadConfigAsync(string modelDirectory, string model, CancellationToken cancellationToken)
    {
        var path = Path.Combine(modelDirectory, ModelRepositoryFolder.ConfigFileName);
        var text = await ReadSmallTextAsync(path, ModelRepositoryFolder.ConfigFileName, cancellationToken);
        ModelConfig config;
        try
        {
            config = ProtobufTextFormat.Parse<ModelConfig>(text, ModelRepositoryFolder.ConfigFileName);
        }
        catch (TextFormatException error)
        {
            throw new PackageRejectedException($"config.pbtxt is not a Triton model configuration: {error.Message}");
        }
        // Triton refuses a config whose name differs from its folder; catching it here keeps it out of the repository.
        if (config.Name.Length > 0 && config.Name != model)
        {
            throw new PackageRejectedException($"config.pbtxt names the model '{config.Name}' but the package is for '{model}'.");
        }
        return config;
    }

    /// <summary>
    /// vLLM reads its engine arguments from <c>&lt;version&gt;/model.json</c>. Its <c>model</c> is a Hub id or a path;
    /// a relative path naming something shipped in the version folder is returned so it can be made absolute.
    /// </summary>
    private static async Task<string?> ReadVllmModelPathAsync(
        string modelDirectory, string versionFolder, Dictionary<string, StagedFile> listed, CancellationToken cancellationToken)
    {
        var relativeFile = $"{versionFolder}/{VllmModelFile}";
        if (!listed.ContainsKey(relativeFile))
        {
            throw new PackageRejectedException($"A vllm model needs {relativeFile}; the package has none.");
        }
        var text = await ReadSmallTextAsync(Path.Combine(modelDirectory, versionFolder, VllmModelFile), relativeFile, cancellationToken);
        string? value;
        try
        {
            value = JsonNode.Parse(text) is JsonObject engine && engine["model"] is JsonValue model && model.TryGetValue<string>(out var name)
                ? name
                : null;
        }
        catch (JsonException error)
        {
            throw new PackageRejectedException($"{relativeFile} is not JSON: {error.Message}");
        }
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new PackageRejectedException($"{relativeFile} must be a JSON object with a string \"model\".");
        }
        return LocalModelPath(value, versionFolder, listed.Keys);
    }

    /// <summary>
    /// The path, relative to the version folder, that <paramref name="value"/> names inside the package; null when
    /// it is absolute or names nothing shipped (a Hub repository id such as <c>facebook/opt-125m</c>).
    /// </summary>
    internal static string? LocalModelPath(string value, string versionFolder, IEnumerable<string> listedPaths)
    {
        if (Path.IsPathRooted(value))
        {
            return null;
        }
        var relative = value;
        while (relative.StartsWith("./", StringComparison.Ordinal))
        {
            relative = relative[2..];
        }
        relative = relative.TrimEnd('/');
        if (relative is "" or ".")
        {
            return ""; // The version folder itself holds the weights.
        }
        if (!SafeRelativePath.IsSafe(relative))
        {
            throw new PackageRejectedException($"{versionFolder}/{VllmModelFile}: \"model\": \"{value}\" points outside the version folder.");
        }
        var inPackage = $"{versionFolder}/{relative}";
        return listedPaths.Any(path => path == inPackage || path.StartsWith(inPackage + "/", StringComparison.Ordinal)) ? relative : null;
    }

    private static async Task<string> ReadSmallTextAsync(string path, string name, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new PackageRejectedException($"{name} is missing.");
        }
        if (info.Length > MaxConfigBytes)
        {
            throw new PackageRejectedException($"{name} is {info.Length} bytes; configuration files are limited to {MaxConfigBytes}.");
        }
        return await File.ReadAllTextAsync(path, cancellationToken);
    }

    private static bool IsSha256(string? value) => value is { Length: 64 } && value.All(char.IsAsciiHexDigit);
}
