using System.Security.Cryptography;
using System.Text;
using PolarGrid.Staging;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Sidecar;

/// <summary>
/// A staging package as the gateway would write it: <c>package.json</c> listing every file of <c>model/</c> with size
/// and SHA-256. Hooks let a test break the manifest or the files after the honest manifest is computed.
/// </summary>
public sealed class TestPackage
{
    public const string IdentityConfig = "platform: \"onnxruntime_onnx\"\nmax_batch_size: 8\n";

    public string JobId { get; init; } = StagingNames.NewJobId(TimeProvider.System);

    public PackageAction Action { get; init; } = PackageAction.Load;

    public required string Model { get; init; }

    /// <summary>Files of <c>model/</c>, by path relative to it.</summary>
    public SortedDictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Big files written in 1 MiB blocks of random bytes, by path: their size.</summary>
    public SortedDictionary<string, long> GeneratedFiles { get; } = new(StringComparer.Ordinal);

    /// <summary>Changes the honest manifest before it is written.</summary>
    public Func<List<StagedFile>, List<StagedFile>>? TamperManifest { get; set; }

    /// <summary>Changes <c>model/</c> after the manifest is computed.</summary>
    public Action<string>? TamperFiles { get; set; }

    /// <summary>Replaces <c>package.json</c> with this text.</summary>
    public string? RawManifest { get; init; }

    /// <summary>An ONNX identity model over <c>[batch, width]</c> FP32, the config naming the model when asked.</summary>
    public static TestPackage Identity(string model, int width = 3, string? configName = null, string? jobId = null)
    {
        var package = new TestPackage { Model = model, JobId = jobId ?? StagingNames.NewJobId(TimeProvider.System) };
        var config = (configName is null ? "" : $"name: \"{configName}\"\n") + IdentityConfig;
        package.Files["config.pbtxt"] = Encoding.UTF8.GetBytes(config);
        package.Files["1/model.onnx"] = OnnxModelBuilder.Identity("FP32", width);
        return package;
    }

    /// <summary>A model whose files are right by the manifest but which no runtime can load.</summary>
    public static TestPackage Corrupt(string model)
    {
        var package = new TestPackage { Model = model };
        package.Files["config.pbtxt"] = Encoding.UTF8.GetBytes(IdentityConfig);
        package.Files["1/model.onnx"] = Encoding.UTF8.GetBytes("this is not an ONNX graph, whatever its hash says");
        return package;
    }

    public static TestPackage Unload(string model) => new() { Model = model, Action = PackageAction.Unload };

    /// <summary>Writes the package into <paramref name="directory"/> (which must not exist yet).</summary>
    public async Task WriteToAsync(string directory)
    {
        var model = StagingLayout.ModelIn(directory);
        Directory.CreateDirectory(directory);
        List<StagedFile>? manifest = null;
        if (Action == PackageAction.Load)
        {
            manifest = [];
            foreach (var (path, bytes) in Files)
            {
                var target = Path.Combine(model, path);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await File.WriteAllBytesAsync(target, bytes);
                manifest.Add(new StagedFile(path, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes))));
            }
            foreach (var (path, size) in GeneratedFiles)
            {
                manifest.Add(await GenerateAsync(Path.Combine(model, path), path, size));
            }
            manifest = TamperManifest?.Invoke(manifest) ?? manifest;
            TamperFiles?.Invoke(model);
        }

        if (RawManifest is not null)
        {
            await File.WriteAllTextAsync(StagingLayout.ManifestIn(directory), RawManifest);
            return;
        }
        await new StagedPackage(JobId, Action, Model, DateTimeOffset.UtcNow, "test/source", "0123abcd", manifest)
            .WriteAsync(directory, CancellationToken.None);
    }

    private static async Task<StagedFile> GenerateAsync(string target, string path, long size)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var block = RandomNumberGenerator.GetBytes(1 << 20);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var stream = File.Create(target);
        for (var written = 0L; written < size;)
        {
            var count = (int)Math.Min(block.Length, size - written);
            await stream.WriteAsync(block.AsMemory(0, count));
            hash.AppendData(block, 0, count);
            written += count;
            block[0]++; // Not the same block over and over: a copy that repeated one would not pass.
        }
        return new StagedFile(path, size, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
