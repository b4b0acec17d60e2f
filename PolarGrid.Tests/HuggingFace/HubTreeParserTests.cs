using System.Text.Json;
using PolarGrid.HuggingFace;
using PolarGrid.Staging;

namespace PolarGrid.Tests.HuggingFace;

/// <summary>The tree-page parser on pages the local Hub cannot serve (its folders cannot hold these names).</summary>
public sealed class HubTreeParserTests
{
    private const string Oid = "0123456789abcdef0123456789abcdef01234567";
    private const string Sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static List<HubFile> Parse(string json, string? subfolder = null) =>
        HubTreeParser.Parse(JsonSerializer.Deserialize(json, HubJsonContext.Default.TreeEntryArray), "org/repo", subfolder);

    private static string Page(string path, string type = "file") =>
        $$"""[{"type":"file","oid":"{{Oid}}","size":3,"path":"ok.txt"},{"type":"{{type}}","oid":"{{Oid}}","size":3,"path":{{JsonSerializer.Serialize(path)}}}]""";

    [Fact]
    public void Regular_and_lfs_files_are_read_and_directories_skipped()
    {
        var files = Parse($$"""
            [
              {"type":"directory","oid":"{{Oid}}","path":"onnx"},
              {"type":"file","oid":"{{Oid}}","size":12,"path":"config.json"},
              {"type":"file","oid":"{{Oid}}","size":5000,"path":"onnx/model.onnx","lfs":{"oid":"{{Sha256.ToUpperInvariant()}}","size":5000,"pointerSize":133},"xetHash":"abc"}
            ]
            """);

        Assert.Equal([new HubFile("config.json", 12, null, Oid), new HubFile("onnx/model.onnx", 5000, Sha256, Oid)], files);
    }

    [Theory]
    [InlineData("../outside.txt")]
    [InlineData("a/../../outside.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("C:/Windows/win.ini")]
    [InlineData("a\\..\\b.txt")]
    [InlineData("a//b.txt")]
    [InlineData("./a.txt")]
    [InlineData("line\nbreak.txt")]
    [InlineData("")]
    public void Unsafe_names_fail_the_whole_page(string path)
    {
        var error = Assert.Throws<HubException>(() => Parse(Page(path)));

        Assert.Equal(HubErrorKind.UnsafePath, error.Kind);
        Assert.IsType<UnsafePathException>(error.InnerException);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Unsafe_directory_names_are_refused_too()
    {
        Assert.Equal(HubErrorKind.UnsafePath, Assert.Throws<HubException>(() => Parse(Page("..", "directory"))).Kind);
    }

    [Theory]
    [InlineData("""[{"type":"file","oid":"xyz","size":1,"path":"a"}]""")]
    [InlineData($$"""[{"type":"file","oid":"{{Oid}}","path":"a"}]""")]
    [InlineData($$$"""[{"type":"file","oid":"{{{Oid}}}","size":1,"path":"a","lfs":{"oid":"short","size":1}}]""")]
    [InlineData($$"""[{"type":"file","oid":"{{Oid}}","size":1}]""")]
    [InlineData("null")]
    public void Entries_without_usable_hashes_sizes_or_paths_are_Protocol(string json)
    {
        Assert.Equal(HubErrorKind.Protocol, Assert.Throws<HubException>(() => Parse(json)).Kind);
    }

    [Fact]
    public void Entries_outside_the_requested_subfolder_are_Protocol()
    {
        Assert.Equal(HubErrorKind.Protocol, Assert.Throws<HubException>(() => Parse(Page("other/x.txt"), subfolder: "onnx")).Kind);
    }
}
