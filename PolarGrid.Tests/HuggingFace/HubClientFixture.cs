using System.Security.Cryptography;
using System.Text;

namespace PolarGrid.Tests.HuggingFace;

/// <summary>
/// Repo folders for the Hub client tests and a server over them: <c>test/repo</c> (public), <c>test/gated</c>,
/// <c>test/private</c> (same content) and <c>test/unsafe</c> (a file name the client must refuse). Tree pages hold
/// five entries so any listing spans several pages.
/// </summary>
public sealed class HubClientFixture : IAsyncLifetime
{
    public const string GatedToken = "hf_gated_reader_7Xq";
    public const string PrivateToken = "hf_private_reader_9Zk";
    public const string OtherToken = "hf_someone_else_3Lm";
    public const string BigPath = "weights/model-00001.bin";
    public const string OddPath = "odd names/a b+c%d#e ü.txt";
    public const string UnsafeName = "evil:stream.txt";
    public const int PageSize = 5;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "hubclient-tests-" + Guid.NewGuid().ToString("N"));

    public string RepoFolder => Path.Combine(_root, "repo");

    public string UnsafeRepoFolder => Path.Combine(_root, "unsafe");

    /// <summary>Repo-relative path to content, for every file of test/repo.</summary>
    public Dictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    public byte[] Big => Files[BigPath];

    public HubTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Files["README.md"] = Encoding.UTF8.GetBytes("# client test repo\n");
        Files["config.json"] = Encoding.UTF8.GetBytes("""{"model_type":"bert"}""");
        Files["empty.txt"] = [];
        Files["onnx/model.onnx"] = RandomNumberGenerator.GetBytes(4096);
        Files[BigPath] = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 123);
        Files["nested/a/b.txt"] = Encoding.UTF8.GetBytes("deep");
        Files[OddPath] = Encoding.UTF8.GetBytes("percent-encoded on the wire");
        for (var i = 0; i < 9; i++)
        {
            Files[$"files/f{i:D2}.txt"] = Encoding.UTF8.GetBytes($"file number {i}");
        }

        foreach (var (path, content) in Files)
        {
            var full = Path.Combine(RepoFolder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllBytesAsync(full, content);
        }

        Directory.CreateDirectory(UnsafeRepoFolder);
        await File.WriteAllTextAsync(Path.Combine(UnsafeRepoFolder, "ok.txt"), "fine");
        // Legal on Linux and served by the local Hub, but a colon is an NTFS stream or drive separator to a consumer.
        await File.WriteAllTextAsync(Path.Combine(UnsafeRepoFolder, UnsafeName), "not fine");

        Server = await StartServerAsync([]);
    }

    /// <summary>A fresh server over the same folders with extra settings (faults), for tests that need their own.</summary>
    public Task<HubTestServer> StartServerAsync(Dictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?>(settings)
        {
            ["Hub:IncludeMiniLm"] = "false",
            ["Hub:TreePageSize"] = PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Hub:Repositories:test/repo"] = RepoFolder,
            ["Hub:Repositories:test/gated"] = RepoFolder,
            ["Hub:Repositories:test/private"] = RepoFolder,
            ["Hub:Repositories:test/unsafe"] = UnsafeRepoFolder,
            ["Hub:Gated:test/gated:0"] = GatedToken,
            ["Hub:Private:test/private:0"] = PrivateToken,
        };
        return HubTestServer.StartAsync(all);
    }

    /// <summary>A fresh empty folder for one test's downloads.</summary>
    public string NewDestination()
    {
        var folder = Path.Combine(_root, "out-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}
