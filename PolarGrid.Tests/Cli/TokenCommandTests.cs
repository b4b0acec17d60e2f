using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using PolarGrid.Auth;
using PolarGrid.Cli;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Cli;

public sealed class TokenCommandTests
{
    [Fact]
    public async Task Mints_an_es256_token_from_the_fleets_private_key_that_its_public_key_validates()
    {
        using var root = new ScratchDirectory();
        var privateKey = Es256PrivateKey.NewPem();
        Directory.CreateDirectory(Path.Combine(root.Path, "auth"));
        await File.WriteAllTextAsync(LocalFleetFiles.PrivateKey(root.Path), privateKey);

        using var output = new StringWriter();
        var exit = TokenCommand.Run(["--data-root", root.Path, "--scope", "inference", "--tier=gold", "--lifetime", "90m"], output, TextWriter.Null);
        Assert.Equal(0, exit);

        // Validated as a gateway does: with the public half only, looked up by its thumbprint.
        var gatewayKeys = SigningKeys.Build(new JwtAuthOptions { PublicKeys = Es256PrivateKey.PublicKeyPem(privateKey) });
        var result = await Validate(output.ToString().Trim(), Assert.Single(gatewayKeys), "polargrid-local");
        Assert.True(result.IsValid, result.Exception?.Message);
        var token = (JsonWebToken)result.SecurityToken;
        Assert.Equal("ES256", token.Alg);
        Assert.Equal(gatewayKeys[0].Kid, token.Kid);
        Assert.Equal("inference", token.GetClaim("scope").Value);
        Assert.Equal("gold", token.GetClaim("tier").Value);
        Assert.InRange(token.ValidTo - token.ValidFrom, TimeSpan.FromMinutes(89), TimeSpan.FromMinutes(91));
    }

    [Fact]
    public async Task Mints_for_a_deployed_fleet_with_the_operators_key_file()
    {
        using var root = new ScratchDirectory();
        var privateKey = Es256PrivateKey.NewPem();
        var keyFile = Path.Combine(root.Path, "fleet-token-signing-key.pem");
        await File.WriteAllTextAsync(keyFile, privateKey);

        using var output = new StringWriter();
        Assert.Equal(0, TokenCommand.Run(["--key", keyFile, "--issuer", "polargrid"], output, TextWriter.Null));

        var gatewayKey = Assert.Single(SigningKeys.Build(new JwtAuthOptions { PublicKeys = Es256PrivateKey.PublicKeyPem(privateKey) }));
        var result = await Validate(output.ToString().Trim(), gatewayKey, "polargrid");
        Assert.True(result.IsValid, result.Exception?.Message);
    }

    [Fact]
    public async Task Mints_an_hs256_token_with_an_explicit_secret_and_kid()
    {
        var secret = SigningKeys.NewSecret();
        using var output = new StringWriter();
        Assert.Equal(0, TokenCommand.Run(["--secret", secret, "--kid", "shared"], output, TextWriter.Null));

        var key = SigningKeys.Build(new SigningKeyOptions { Kid = "shared", Algorithm = "HS256", Secret = secret });
        var result = await Validate(output.ToString().Trim(), key, "polargrid-local");
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("HS256", ((JsonWebToken)result.SecurityToken).Alg);
    }

    [Fact]
    public void A_public_key_file_is_refused_with_what_is_wrong()
    {
        using var root = new ScratchDirectory();
        var keyFile = Path.Combine(root.Path, "public.pem");
        File.WriteAllText(keyFile, Es256PrivateKey.PublicKeyPem(Es256PrivateKey.NewPem()));

        using var error = new StringWriter();
        Assert.Equal(2, TokenCommand.Run(["--key", keyFile], TextWriter.Null, error));
        Assert.Contains(keyFile, error.ToString());
        Assert.Contains("private key", error.ToString());
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

    private static Task<TokenValidationResult> Validate(string token, SigningKey key, string issuer) =>
        new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidAudience = "polargrid-gateway",
            IssuerSigningKey = key.Key,
            ValidAlgorithms = [key.Algorithm],
        });
}
