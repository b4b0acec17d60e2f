using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace PolarGrid.Gateway.Models;

/// <summary>
/// The models this gateway has assets for: <c>&lt;DataPath&gt;/models/&lt;name&gt;/</c> with a <c>model.json</c>
/// descriptor and the tokenizer files. Assets are loaded on first use and kept; a model written later (a finished load
/// job) is found on its first request.
/// </summary>
public sealed class ModelCatalog(IOptions<GatewayOptions> options, ILogger<ModelCatalog> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ServedModelAssets?>> _assets = new(StringComparer.Ordinal);

    public string Root => Path.Combine(options.Value.DataPath, "models");

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') &&
        name[0] != '.' && !name.Contains("..", StringComparison.Ordinal);

    public ServedModelAssets? Find(string name)
    {
        if (!IsValidName(name))
        {
            return null;
        }
        var entry = _assets.GetOrAdd(name, key => new Lazy<ServedModelAssets?>(() => Load(key)));
        if (entry.Value is null)
        {
            // Not there yet: look again next time rather than remembering the absence.
            _assets.TryRemove(new KeyValuePair<string, Lazy<ServedModelAssets?>>(name, entry));
        }
        return entry.Value;
    }

    /// <summary>Every model with assets on disk.</summary>
    public IReadOnlyList<ModelDescriptor> List()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }
        return Directory.GetDirectories(Root)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(IsValidName)
            .Order(StringComparer.Ordinal)
            .Select(name => Find(name)?.Descriptor)
            .OfType<ModelDescriptor>()
            .ToList();
    }

    /// <summary>Drops a model's loaded assets (after an unload or a re-conversion).</summary>
    public void Forget(string name)
    {
        if (_assets.TryRemove(name, out var entry) && entry.IsValueCreated)
        {
            entry.Value?.Dispose();
        }
    }

    private ServedModelAssets? Load(string name)
    {
        var directory = Path.Combine(Root, name);
        var descriptorFile = Path.Combine(directory, ModelDescriptor.FileName);
        if (!File.Exists(descriptorFile))
        {
            return null;
        }

        try
        {
            var descriptor = JsonSerializer.Deserialize(File.ReadAllText(descriptorFile), ModelDescriptorJsonContext.Default.ModelDescriptor)
                ?? throw new JsonException("empty descriptor");
            var assets = descriptor.Kind switch
            {
                ModelKind.Chat => new ServedModelAssets(descriptor, new ChatTokenizer(directory), null),
                ModelKind.Embeddings => new ServedModelAssets(descriptor, null,
                    new EmbeddingTokenizer(directory, descriptor.Embedding ?? new EmbeddingSettings())),
                ModelKind.Tensor => new ServedModelAssets(descriptor, null, null),
                _ => null,
            };
            if (assets?.Chat is not null)
            {
                NativeHeap.Trim();
            }
            return assets;
        }
        catch (Exception error) when (error is IOException or JsonException or Microsoft.ML.OnnxRuntimeGenAI.OnnxRuntimeGenAIException or ArgumentException)
        {
            logger.LogError(error, "The assets of model {Model} in {Directory} cannot be loaded", name, directory);
            return null;
        }
    }

    public void Dispose()
    {
        foreach (var entry in _assets.Values.Where(entry => entry.IsValueCreated))
        {
            entry.Value?.Dispose();
        }
    }
}
