using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using PolarGrid.Auth;

namespace PolarGrid.Tests.Gateway;

/// <summary>JWTs validated on the node: every way a token can be wrong gets a 401, a missing scope a 403.</summary>
[Collection(GatewayCollection.Name)]
public sealed class AuthTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_valid_token_is_accepted_and_no_token_is_refused()
    {
        Assert.Equal(HttpStatusCode.OK, await Status(fixture.Token()));

        using var anonymous = fixture.Http(token: null);
        using var response = await anonymous.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.True(error.TryGetProperty("param", out _));
    }

    [Fact]
    public async Task A_token_signed_with_the_rotated_in_key_is_accepted()
    {
        Assert.Equal(HttpStatusCode.OK, await Status(fixture.Token(key: fixture.RotatedKey)));
    }

    [Fact]
    public async Task An_hs256_key_configured_explicitly_is_accepted()
    {
        Assert.Equal(HttpStatusCode.OK, await Status(fixture.Token(key: fixture.SharedSecretKey)));
    }

    [Fact]
    public async Task Expired_tokens_are_refused_beyond_the_clock_skew()
    {
        var expired = fixture.Token(issuedAt: DateTime.UtcNow.AddHours(-2), lifetime: TimeSpan.FromHours(1));
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(expired));

        // Expired 10 s ago: inside the 30 s skew the gateway allows.
        var justExpired = fixture.Token(issuedAt: DateTime.UtcNow.AddMinutes(-1), lifetime: TimeSpan.FromSeconds(50));
        Assert.Equal(HttpStatusCode.OK, await Status(justExpired));
    }

    [Fact]
    public async Task A_token_whose_dates_are_json_numbers_is_accepted()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.Equal(HttpStatusCode.OK, await Status(SignedWithCurrentKey($$"""{{Claims}},"iat":{{now}},"nbf":{{now}},"exp":{{now + 600}}""")));
    }

    [Theory]
    [InlineData("exp as a string", """ "iat":{now},"nbf":{now},"exp":"9999999999" """)]
    [InlineData("nbf as a string", """ "iat":{now},"nbf":"{now}","exp":{later} """)]
    [InlineData("iat as a string", """ "iat":"{now}","nbf":{now},"exp":{later} """)]
    [InlineData("exp repeated as a string", """ "iat":{now},"nbf":{now},"exp":{later},"exp":"9999999999" """)]
    public async Task A_validly_signed_token_whose_dates_are_not_json_numbers_is_refused(string what, string dates)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var token = SignedWithCurrentKey($"{Claims},{dates.Trim().Replace("{now}", $"{now}").Replace("{later}", $"{now + 600}")}");

        using var http = fixture.Http(token);
        using var response = await http.GetAsync("/v1/models");
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{what}: {response.StatusCode}");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("invalid_api_key", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Wrong_issuer_audience_key_or_kid_are_refused()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(fixture.Token(issuer: "someone-else")));
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(fixture.Token(audience: "another-service")));

        // Another key that claims the current key's kid, and a key the gateway has never been given.
        var impostor = Es256PrivateKey.Load(Es256PrivateKey.NewPem(), kid: fixture.CurrentKey.Kid);
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(fixture.Token(key: impostor)));
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(fixture.Token(key: Es256PrivateKey.Load(Es256PrivateKey.NewPem()))));

        var hmacImpostor = SigningKeys.Build(new SigningKeyOptions { Kid = "shared", Algorithm = "HS256", Secret = SigningKeys.NewSecret() });
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(fixture.Token(key: hmacImpostor)));
    }

    [Fact]
    public async Task Alg_none_is_refused()
    {
        var header = Base64Url($$"""{"alg":"none","typ":"JWT","kid":"{{fixture.CurrentKey.Kid}}"}""");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = Base64Url($$"""{{{Claims}},"iat":{{now}},"nbf":{{now}},"exp":{{now + 600}}}""");
        Assert.Equal(HttpStatusCode.Unauthorized, await Status($"{header}.{payload}."));
    }

    [Fact]
    public async Task A_public_key_cannot_be_used_as_an_hmac_secret()
    {
        // Algorithm confusion: sign HS256 with the bytes of the ES256 public key the gateway trusts, naming that key.
        var publicKey = Encoding.ASCII.GetBytes(fixture.EcdsaKey.ExportSubjectPublicKeyInfoPem());
        var forged = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = GatewayFixture.Issuer,
            Audience = GatewayFixture.Audience,
            Expires = DateTime.UtcNow.AddMinutes(10),
            Claims = new Dictionary<string, object> { ["sub"] = "mallory", ["scope"] = "inference" },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(publicKey) { KeyId = "ecdsa" }, SecurityAlgorithms.HmacSha256),
        });
        Assert.Equal(HttpStatusCode.Unauthorized, await Status(forged));

        // While a real ES256 token from that key is fine.
        var genuine = TokenIssuer.Mint(new JwtAuthOptions { Issuer = GatewayFixture.Issuer, Audience = GatewayFixture.Audience },
            new SigningKey("ecdsa", SecurityAlgorithms.EcdsaSha256, new ECDsaSecurityKey(fixture.EcdsaKey) { KeyId = "ecdsa" }),
            "alice", [Scopes.Inference], TimeSpan.FromMinutes(5));
        Assert.Equal(HttpStatusCode.OK, await Status(genuine));
    }

    [Fact]
    public async Task A_token_without_the_inference_scope_is_forbidden()
    {
        using var http = fixture.Http(fixture.Token(scopes: "models:read"));
        using var response = await http.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("insufficient_scope", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
    }

    private const string Claims = $$"""
        "iss":"{{GatewayFixture.Issuer}}","aud":"{{GatewayFixture.Audience}}","sub":"mallory","scope":"inference"
        """;

    private async Task<HttpStatusCode> Status(string token)
    {
        using var http = fixture.Http(token);
        using var response = await http.GetAsync("/v1/models");
        return response.StatusCode;
    }

    /// <summary>A token with exactly these payload members, genuinely signed (ES256) with the gateway's current key.</summary>
    private string SignedWithCurrentKey(string members)
    {
        var header = Base64Url($$"""{"alg":"ES256","typ":"JWT","kid":"{{fixture.CurrentKey.Kid}}"}""");
        var payload = Base64Url("{" + members + "}");
        // A JWS ES256 signature is r || s (IEEE P1363), which is .NET's default format.
        var signature = ((ECDsaSecurityKey)fixture.CurrentKey.Key).ECDsa
            .SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256);
        return $"{header}.{payload}.{Base64UrlEncoder.Encode(signature)}";
    }

    private static string Base64Url(string json) => Base64UrlEncoder.Encode(json);
}
