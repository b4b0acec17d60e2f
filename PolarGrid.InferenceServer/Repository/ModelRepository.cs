using System.Globalization;
using Google.Protobuf;
using Inference;
using PolarGrid.Contracts;
using PolarGrid.InferenceServer.Models;

namespace PolarGrid.InferenceServer.Repository;

/// <summary>A model as found in a repository: its folder, its config and the versions the policy selects.</summary>
public sealed record ModelDefinition(string Name, string Directory, ModelConfig Config, IReadOnlyList<long> Versions);

/// <summary>
/// Reads Triton model repositories: <c>&lt;repository&gt;/&lt;model&gt;/config.pbtxt</c> and numeric version folders.
/// </summary>
public sealed class ModelRepository(ServerOptions options)
{
    public const string ConfigFileName = "config.pbtxt";

    /// <summary>Every model folder in every repository.</summary>
    public IReadOnlyList<string> ListModels() =>
        options.ModelRepositories
            .Where(Directory.Exists)
            .SelectMany(Directory.GetDirectories)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => !name.StartsWith('.'))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

    public bool Contains(string name) => IsValidName(name) && FindDirectory(name) is not null;

    /// <summary>
    /// Reads a model's definition from disk, or from <paramref name="configOverride"/> (a ModelConfig as JSON, the
    /// <c>config</c> load parameter) with files from <paramref name="overrideDirectory"/> when given.
    /// </summary>
    public ModelDefinition Read(string name, string? configOverride, string? overrideDirectory)
    {
        RequireValidName(name);
        var directory = overrideDirectory ?? FindDirectory(name)
            ?? throw InferenceException.NotFound($"failed to load '{name}': no model folder named '{name}' in the model repository");

        var config = configOverride is not null ? ParseJson(name, configOverride) : ReadConfigFile(name, directory);
        if (config.Name.Length > 0 && config.Name != name)
        {
            throw InferenceException.InvalidArgument(
                $"failed to load '{name}': the config names the model '{config.Name}', which does not match its folder '{name}'");
        }
        config.Name = name;
        return new ModelDefinition(name, directory, config, SelectVersions(name, directory, config.VersionPolicy));
    }

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 255 && name is not ("." or "..") &&
        name.IndexOfAny(['/', '\\', '\0']) < 0 && !name.StartsWith('.');

    public static void RequireValidName(string name)
    {
        if (!IsValidName(name))
        {
            throw InferenceException.InvalidArgument($"'{name}' is not a valid model name");
        }
    }

    private string? FindDirectory(string name) =>
        options.ModelRepositories.Select(repository => Path.Combine(repository, name)).FirstOrDefault(Directory.Exists);

    private static ModelConfig ReadConfigFile(string name, string directory)
    {
        var path = Path.Combine(directory, ConfigFileName);
        if (!File.Exists(path))
        {
            return new ModelConfig(); // Auto-completed from the model files, as Triton does.
        }
        try
        {
            return ProtobufTextFormat.Parse<ModelConfig>(File.ReadAllText(path));
        }
        catch (TextFormatException error)
        {
            throw InferenceException.InvalidArgument($"failed to load '{name}': {ConfigFileName}:{error.Line}:{error.Column}: {error.Message}");
        }
    }

    private static ModelConfig ParseJson(string name, string json)
    {
        try
        {
            return JsonParser.Default.Parse<ModelConfig>(json);
        }
        catch (Exception error) when (error is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            throw InferenceException.InvalidArgument($"failed to load '{name}': the 'config' parameter is not a ModelConfig in JSON: {error.Message}");
        }
    }

    /// <summary>Triton's version policy over the numeric folders (those starting with 0 are ignored).</summary>
    private static List<long> SelectVersions(string name, string directory, ModelVersionPolicy? policy)
    {
        var available = Directory.GetDirectories(directory)
            .Select(Path.GetFileName)
            .Where(folder => folder is { Length: > 0 } && folder[0] != '0' && folder.All(char.IsAsciiDigit))
            .Select(folder => long.Parse(folder!, CultureInfo.InvariantCulture))
            .Order()
            .ToList();

        List<long> selected = policy?.PolicyChoiceCase switch
        {
            ModelVersionPolicy.PolicyChoiceOneofCase.All => available,
            ModelVersionPolicy.PolicyChoiceOneofCase.Specific => policy.Specific.Versions.Order().ToList(),
            ModelVersionPolicy.PolicyChoiceOneofCase.Latest => available.TakeLast((int)Math.Max(1, policy.Latest.NumVersions)).ToList(),
            _ => available.TakeLast(1).ToList(),
        };

        var missing = selected.Except(available).ToList();
        if (missing.Count > 0)
        {
            throw InferenceException.InvalidArgument(
                $"failed to load '{name}': version policy names version(s) {string.Join(", ", missing)} that have no folder");
        }
        if (selected.Count == 0)
        {
            throw InferenceException.InvalidArgument(
                $"failed to load '{name}': at least one version must be available under the version policy of model '{name}'");
        }
        return selected;
    }
}
