using System.Security.Cryptography;
using System.Text;
using PolarGrid.Staging;

namespace PolarGrid.Tests.Sidecar;

/// <summary>Packages that must never reach Triton's repository, each failed with a reason that says what is wrong.</summary>
[Collection(SidecarCollection.Name)]
public sealed class InvalidPackageTests : IAsyncLifetime
{
    private SidecarNode _node = null!;

    public static TheoryData<string> Cases => new(BrokenPackages.Keys);

    private static readonly Dictionary<string, (Func<string, TestPackage> Make, string Reason)> BrokenPackages = new()
    {
        ["config names another model"] = (model => TestPackage.Identity(model, configName: "someone_else"),
            "config.pbtxt names the model 'someone_else'"),
        ["config is not a ModelConfig"] = (model => WithFile(TestPackage.Identity(model), "config.pbtxt", "platform: \"onnxruntime_onnx\"\nmax_batch_sizes: 8\n"),
            "config.pbtxt is not a Triton model configuration"),
        ["listed file is missing"] = (model => Manifest(TestPackage.Identity(model), files => [.. files, new StagedFile("1/weights.bin", 3, Sha("abc"))]),
            "'1/weights.bin' is listed in package.json but missing"),
        ["file has the wrong size"] = (model => Manifest(TestPackage.Identity(model), files => [.. files.Select(file => file.Path == "1/model.onnx" ? file with { Size = file.Size + 1 } : file)]),
            "model/1/model.onnx is"),
        ["file has the wrong hash"] = (model => Manifest(TestPackage.Identity(model), files => [.. files.Select(file => file.Path == "1/model.onnx" ? file with { Sha256 = Sha("something else") } : file)]),
            "model/1/model.onnx has sha256"),
        ["unlisted extra file"] = (model => Tamper(TestPackage.Identity(model), dir => File.WriteAllText(Path.Combine(dir, "1", "notes.txt"), "hello")),
            "model/1/notes.txt is not listed in package.json"),
        ["unlisted hidden file"] = (model => Tamper(TestPackage.Identity(model), dir => File.WriteAllText(Path.Combine(dir, "1", ".hidden"), "hello")),
            "model/1/.hidden is not listed in package.json"),
        ["parent path in manifest"] = (model => Manifest(TestPackage.Identity(model), files => [.. files, new StagedFile("1/../../escape.bin", 3, Sha("abc"))]),
            "unsafe path '1/../../escape.bin'"),
        ["absolute path in manifest"] = (model => Manifest(TestPackage.Identity(model), files => [.. files, new StagedFile("/etc/passwd", 3, Sha("abc"))]),
            "unsafe path '/etc/passwd'"),
        // Listed with the size and hash of what it points to, so only the link itself gives it away.
        ["symbolic link"] = (model => Tamper(
                Manifest(TestPackage.Identity(model), files => [.. files, files.Single(file => file.Path == "1/model.onnx") with { Path = "1/linked.onnx" }]),
                dir => File.CreateSymbolicLink(Path.Combine(dir, "1", "linked.onnx"), "model.onnx")),
            "model/1/linked.onnx is a symbolic link"),
        ["two version folders"] = (model => WithFile(TestPackage.Identity(model), "2/model.onnx", "x"),
            "version folders '1' and '2'"),
        ["no version folder"] = (model => WithoutFile(TestPackage.Identity(model), "1/model.onnx"),
            "no version folder"),
        ["file over the size limit"] = (model => WithFile(TestPackage.Identity(model), "1/big.bin", new string('x', 2048)),
            "the limit per file is 1024"),
        ["unreadable package.json"] = (model => new TestPackage { Model = model, RawManifest = "{ \"jobId\": " },
            "package.json cannot be read"),
        ["invalid model name"] = (model => TestPackage.Identity("../" + model),
            "is not a valid model name"),
        ["job id does not match its folder"] = (model => new TestPackage { Model = model, RawManifest = $$"""{ "jobId": "job-0-other", "action": "load", "model": "{{model}}", "createdAt": "2025-01-01T00:00:00Z", "files": [] }""" },
            "package.json names job 'job-0-other'"),
        ["vllm model without model.json"] = (model => WithFile(TestPackage.Identity(model), "config.pbtxt", "backend: \"vllm\"\n"),
            "A vllm model needs 1/model.json"),
    };

    public async Task InitializeAsync()
    {
        _node = await SidecarNode.StartAsync(startSidecar: false);
        // A per-file limit small enough to test without big files; the identity models are a few hundred bytes.
        await _node.StartSidecarAsync(extraSettings: ["--Sidecar:MaxFileBytes=1024"]);
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_broken_package_fails_with_its_reason_and_leaves_the_repository_untouched(string broken)
    {
        var (make, reason) = BrokenPackages[broken];
        var model = "m" + Guid.NewGuid().ToString("N")[..8];

        var job = await _node.StageAsync(make(model));
        var result = await _node.ResultAsync(job);

        Assert.Equal(PackageState.Failed, result.State);
        Assert.Contains(reason, result.Reason);
        Assert.Null(result.Version);
        // Nothing of it in the repository (the journal folder may exist, but empty), nothing in Triton, package gone.
        Assert.All(_node.RepositoryEntries(), entry => Assert.Equal(".sidecar", entry));
        Assert.DoesNotContain(await _node.IndexAsync(), entry => entry.Name.Contains(model, StringComparison.Ordinal));
        Assert.False(Directory.Exists(_node.Layout.PackageFor(job)));
    }

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static TestPackage WithFile(TestPackage package, string path, string content)
    {
        package.Files[path] = Encoding.UTF8.GetBytes(content);
        return package;
    }

    private static TestPackage Manifest(TestPackage package, Func<List<StagedFile>, List<StagedFile>> tamper)
    {
        package.TamperManifest = tamper;
        return package;
    }

    private static TestPackage Tamper(TestPackage package, Action<string> tamper)
    {
        package.TamperFiles = tamper;
        return package;
    }

    private static TestPackage WithoutFile(TestPackage package, string path)
    {
        package.Files.Remove(path);
        return package;
    }
}
