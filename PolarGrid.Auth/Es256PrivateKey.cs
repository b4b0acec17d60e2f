using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace PolarGrid.Auth;

/// <summary>
/// The ES256 private key tokens are minted with: a P-256 key as PKCS#8 PEM (<c>BEGIN PRIVATE KEY</c>, what
/// <c>openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256</c> writes). Only whoever mints holds it — the app
/// host for the local fleet, the operator for a deployed one; gateways get <see cref="PublicKeyPem"/>.
/// </summary>
public static class Es256PrivateKey
{
    /// <summary>A fresh P-256 key, PKCS#8 PEM.</summary>
    public static string NewPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>
    /// The key to mint with, under <paramref name="kid"/> or else its JWK thumbprint (what gateways given its public
    /// half through <see cref="JwtAuthOptions.PublicKeys"/> look it up by).
    /// </summary>
    public static SigningKey Load(string pem, string? kid = null)
    {
        var key = Import(pem);
        var keyId = kid ?? JwkThumbprint.Of(key);
        return new SigningKey(keyId, SecurityAlgorithms.EcdsaSha256, new ECDsaSecurityKey(key) { KeyId = keyId });
    }

    /// <summary>The public half as SubjectPublicKeyInfo PEM (<c>BEGIN PUBLIC KEY</c>): all a gateway is given.</summary>
    public static string PublicKeyPem(string pem)
    {
        using var key = Import(pem);
        return key.ExportSubjectPublicKeyInfoPem();
    }

    private static ECDsa Import(string pem)
    {
        var blocks = PemBlocks.Read(pem);
        if (blocks.Count != 1 || !PemBlocks.IsPrivateKey(blocks[0].Label))
        {
            throw new InvalidOperationException("An ES256 signing key must be one PEM private key (PKCS#8, BEGIN PRIVATE KEY).");
        }
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(blocks[0].Pem);
        }
        catch (Exception error) when (error is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new InvalidOperationException("The ES256 signing key is not an EC private key (PKCS#8 PEM, unencrypted).");
        }
        if (!P256.Is(key))
        {
            key.Dispose();
            throw new InvalidOperationException("An ES256 signing key must be on curve P-256.");
        }
        return key;
    }
}
