using Inference;
using PolarGrid.InferenceServer.Models;

namespace PolarGrid.InferenceServer.Backends;

/// <summary>What a backend is given to load one version of a model.</summary>
public sealed record ModelLoadContext(string Name, long Version, string ModelDirectory, string VersionDirectory, ModelConfig Config);

/// <summary>A kind of model the server can run, chosen by the config's <c>platform</c> or <c>backend</c>.</summary>
public interface IModelBackend
{
    /// <summary>The <c>backend</c> name in config.pbtxt.</summary>
    string Name { get; }

    bool CanServe(ModelConfig config);

    /// <summary>Whether a version folder without a config.pbtxt holds this backend's kind of model.</summary>
    bool Recognizes(string versionDirectory);

    /// <summary>
    /// Loads one version. The served model's config is the given one completed from the model files themselves
    /// (Triton's auto-complete), so a config.pbtxt may leave out what the files say.
    /// </summary>
    Task<ServedModel> LoadAsync(ModelLoadContext context, CancellationToken cancellationToken);
}
