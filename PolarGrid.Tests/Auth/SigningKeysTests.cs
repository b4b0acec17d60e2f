using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using PolarGrid.Auth;

namespace PolarGrid.Tests.Auth;

/// <summary>The keys a gateway verifies with: ES256 public keys by thumbprint unless configured otherwise, never a private key.</summary>
public sealed class SigningKeysTests
{
    [Fact]
    public void Each_public_key_of_a_bundle_is_known_by_its_rfc7638_thumbprint()
    {
        var (first, second) = (Es256PrivateKey.NewPem(), Es256PrivateKey.NewPem());
        var keys = SigningKeys.Build(new JwtAuthOptions { PublicKeys = $"{Es256PrivateKey.PublicKeyPem(first)}\n{Es256PrivateKey.PublicKeyPem(second)}\n" });

        Assert.Equal(2, keys.Count);
        Assert.All(keys, key => Assert.Equal(SecurityAlgorithms.EcdsaSha256, key.Algorithm));
        // The minting side names the same kid, and it is the thumbprint IdentityModel computes from the JWK.
        Assert.Equal([Es256PrivateKey.Load(first).Kid, Es256PrivateKey.Load(second).Kid], keys.Select(key => key.Kid));
        foreach (var key in keys)
        {
            var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey((ECDsaSecurityKey)key.Key);
            Assert.Equal(Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint()), key.Kid);
        }
    }

    [Fact]
    public void A_key_given_twice_is_refused()
    {
        var publicKey = Es256PrivateKey.PublicKeyPem(Es256PrivateKey.NewPem());
        var error = Assert.Throws<InvalidOperationException>(() => SigningKeys.Build(new JwtAuthOptions { PublicKeys = publicKey + "\n" + publicKey }));
        Assert.Contains("configured twice", error.Message);
    }

    [Theory]
    [InlineData("pkcs8")]
    [InlineData("sec1")]
    public void Private_keys_are_refused_wherever_a_public_key_is_expected(string format)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var privatePem = format == "pkcs8" ? key.ExportPkcs8PrivateKeyPem() : key.ExportECPrivateKeyPem();

        var inBundle = Assert.Throws<InvalidOperationException>(() => SigningKeys.Build(new JwtAuthOptions { PublicKeys = privatePem }));
        Assert.Contains("public keys only", inBundle.Message);
        var inEntry = Assert.Throws<InvalidOperationException>(() => SigningKeys.Build(new SigningKeyOptions { Kid = "fleet", KeyPem = privatePem }));
        Assert.Contains("public keys only", inEntry.Message);
        Assert.DoesNotContain(privatePem.Split('\n')[1], inEntry.Message);
    }

    [Fact]
    public void Es256_keys_must_be_on_p256()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var error = Assert.Throws<InvalidOperationException>(() => SigningKeys.Build(new JwtAuthOptions { PublicKeys = key.ExportSubjectPublicKeyInfoPem() }));
        Assert.Contains("P-256", error.Message);
        Assert.Throws<InvalidOperationException>(() => Es256PrivateKey.Load(key.ExportPkcs8PrivateKeyPem()));
    }

    [Fact]
    public void Es256_is_the_default_and_hs256_must_be_chosen_explicitly()
    {
        var secret = SigningKeys.NewSecret();
        var error = Assert.Throws<InvalidOperationException>(() => SigningKeys.Build(new SigningKeyOptions { Kid = "shared", Secret = secret }));
        Assert.Contains("ES256", error.Message);

        var hmac = SigningKeys.Build(new SigningKeyOptions { Kid = "shared", Algorithm = "HS256", Secret = secret });
        Assert.Equal(SecurityAlgorithms.HmacSha256, hmac.Algorithm);
        Assert.IsType<SymmetricSecurityKey>(hmac.Key);
    }

    [Fact]
    public void A_damaged_block_in_a_bundle_is_refused_not_skipped()
    {
        var good = Es256PrivateKey.PublicKeyPem(Es256PrivateKey.NewPem());
        var damaged = Es256PrivateKey.PublicKeyPem(Es256PrivateKey.NewPem()).Replace("\n-----END", "!\n-----END");
        var error = Assert.Throws<InvalidOperationException>(() => SigningKeys.Build(new JwtAuthOptions { PublicKeys = $"{good}\n{damaged}" }));
        Assert.Contains("damaged", error.Message);
    }

    [Fact]
    public void A_bundle_without_any_pem_block_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => SigningKeys.Build(new JwtAuthOptions { PublicKeys = "fleet" }));
        Assert.Empty(SigningKeys.Build(new JwtAuthOptions { PublicKeys = "  " }));
    }
}
