using Inference;
using PolarGrid.InferenceServer.Models;

namespace PolarGrid.InferenceServer.Repository;

/// <summary>
/// RepositoryModelLoad's parameters, as Triton accepts them: <c>config</c> (a ModelConfig as JSON, in a string_param)
/// and <c>file:&lt;version&gt;/&lt;path&gt;</c> (file content, in a bytes_param). Files need a config.
/// </summary>
public static class LoadParameters
{
    private const string FilePrefix = "file:";

    public static (string? Config, IReadOnlyList<(string Path, byte[] Content)> Files) Read(
        string model, IReadOnlyDictionary<string, ModelRepositoryParameter> parameters)
    {
        string? config = null;
        var files = new List<(string, byte[])>();
        foreach (var (key, value) in parameters)
        {
            if (key == "config")
            {
                config = value.ParameterChoiceCase == ModelRepositoryParameter.ParameterChoiceOneofCase.StringParam
                    ? value.StringParam
                    : throw InferenceException.InvalidArgument($"failed to load '{model}': the 'config' parameter must be a string_param");
            }
            else if (key.StartsWith(FilePrefix, StringComparison.Ordinal))
            {
                files.Add(value.ParameterChoiceCase == ModelRepositoryParameter.ParameterChoiceOneofCase.BytesParam
                    ? (key[FilePrefix.Length..], value.BytesParam.ToByteArray())
                    : throw InferenceException.InvalidArgument($"failed to load '{model}': the '{key}' parameter must be a bytes_param"));
            }
            else
            {
                throw InferenceException.InvalidArgument($"failed to load '{model}': unrecognized load parameter '{key}'");
            }
        }

        if (files.Count > 0 && config is null)
        {
            throw InferenceException.InvalidArgument(
                $"failed to load '{model}': failed to poll from model repository: 'file:' parameters need a 'config' parameter");
        }
        return (config, files);
    }

    /// <summary>Writes override files into a fresh folder; paths that would leave it are refused.</summary>
    public static string WriteFiles(string model, IReadOnlyList<(string Path, byte[] Content)> files)
    {
        var root = Path.GetFullPath(Path.Combine(Path.GetTempPath(), $"polargrid-override-{model}-{Guid.NewGuid():N}"));
        var targets = files.Select(file => (Target: Resolve(model, root, file.Path), file.Content)).ToList();
        foreach (var (target, content) in targets)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, content);
        }
        return root;
    }

    private static string Resolve(string model, string root, string relative)
    {
        var target = Path.GetFullPath(Path.Combine(root, relative));
        if (relative.Length == 0 || Path.IsPathRooted(relative) || !target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw InferenceException.InvalidArgument($"failed to load '{model}': file path '{relative}' leaves the model folder");
        }
        return target;
    }
}
