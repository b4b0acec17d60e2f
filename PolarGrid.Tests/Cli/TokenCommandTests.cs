using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using PolarGrid.Auth;
using PolarGrid.Cli;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Cli;

public sealed class TokenCommandTests
{
    [Fact]
    public async Task Mints_a_token_from_the_fleets_key_that_validates_with_the_gateways_rules()
    {
        using var root = new ScratchDirectory();
        var secret = SigningKeys.NewSecret();
        Directory.CreateDirectory(Path.Combine(root.Path, "auth"));
        await File.WriteAllTextAsync(Path.Combine(root.Path, "auth", "signing-key"), secret);

        using var output = new StringWriter();
        var exit = TokenCommand.Run(["--data-root", root.Path, "--scope", "inference", "--tier=gold", "--lifetime", "90m"], output, TextWriter.Null);
        Assert.Equal(0, exit);

        var key = SigningKeys.Build(new SigningKeyOptions { Kid = "local", Secret = secret });
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(output.ToString().Trim(), new TokenValidationParameters
        {
            ValidIssuer = "polargrid-local",
            ValidAudience = "polargrid-gateway",
            IssuerSigningKey = key.Key,
            ValidAlgorithms = ["HS256"],
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var token = (JsonWebToken)result.SecurityToken;
        Assert.Equal("inference", token.GetClaim("scope").Value);
        Assert.Equal("gold", token.GetClaim("tier").Value);
        Assert.InRange(token.ValidTo - token.ValidFrom, TimeSpan.FromMinutes(89), TimeSpan.FromMinutes(91));
    }

    [Fact]
    public void Without_a_key_it_says_where_it_looked()
    {
        using var error = new StringWriter();
        Assert.Equal(2, TokenCommand.Run(["--data-root", "/nonexistent"], TextWriter.Null, error));
        Assert.Contains("/nonexistent", error.ToString());
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("12h", 43200)]
    [InlineData("1d", 86400)]
    public void Lifetimes_read_as_people_write_them(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), TokenCommand.ParseLifetime(text));
}
