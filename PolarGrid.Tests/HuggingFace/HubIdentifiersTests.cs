using PolarGrid.HuggingFace;

namespace PolarGrid.Tests.HuggingFace;

public sealed class HubIdentifiersTests
{
    [Theory]
    [InlineData("gpt2")]
    [InlineData("sentence-transformers/all-MiniLM-L6-v2")]
    [InlineData("org_1/model.v2")]
    [InlineData("_under/score_")]
    public void Valid_repo_ids(string repoId) => Assert.True(HubIdentifiers.IsValidRepoId(repoId));

    [Theory]
    [InlineData("")]
    [InlineData("a/b/c")]
    [InlineData("org/")]
    [InlineData("/name")]
    [InlineData("org/na--me")]
    [InlineData("org/na..me")]
    [InlineData("org/-name")]
    [InlineData("org/name-")]
    [InlineData("org/.name")]
    [InlineData("org/name.git")]
    [InlineData("org/na me")]
    [InlineData("org/näme")]
    [InlineData("org/name%2F")]
    public void Invalid_repo_ids(string repoId) => Assert.False(HubIdentifiers.IsValidRepoId(repoId));

    [Fact]
    public void Repo_names_are_limited_to_96_characters()
    {
        Assert.True(HubIdentifiers.IsValidRepoId("org/" + new string('a', 96)));
        Assert.False(HubIdentifiers.IsValidRepoId("org/" + new string('a', 97)));
    }

    [Theory]
    [InlineData("main")]
    [InlineData("v1.0")]
    [InlineData("refs/pr/1")]
    [InlineData("release/2024-01")]
    [InlineData("0123456789abcdef0123456789abcdef01234567")]
    public void Valid_revisions(string revision) => Assert.True(HubIdentifiers.IsValidRevision(revision));

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a/../b")]
    [InlineData("/main")]
    [InlineData("main/")]
    [InlineData("a//b")]
    [InlineData("a b")]
    [InlineData("a?b")]
    [InlineData("a#b")]
    [InlineData("a%2Fb")]
    [InlineData("a\\b")]
    [InlineData("a\nb")]
    [InlineData("x.lock")]
    [InlineData("a@{1}")]
    [InlineData(".hidden")]
    public void Invalid_revisions(string revision) => Assert.False(HubIdentifiers.IsValidRevision(revision));
}
