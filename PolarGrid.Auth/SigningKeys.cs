using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace PolarGrid.Auth;

/// <summary>
/// Turns configured keys into the keys a gateway verifies tokens with, refusing weak, ambiguous and private ones: a
/// gateway that held a private key could mint tokens for the whole fleet, so it is only ever given public keys (or,
/// where HS256 is chosen explicitly, the shared secret that choice implies).
/// </summary>
public static class SigningKeys
{
    public const string DefaultAlgorithm = SecurityAlgorithms.EcdsaSha256;

    public static readonly string[] SupportedAlgorithms =
        [SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSha256,
         SecurityAlgorithms.HmacSha256, SecurityAlgorithms.HmacSha384, SecurityAlgorithms.HmacSha512];

    /// <summary>Every key of <see cref="JwtAuthOptions.PublicKeys"/> and <see cref="JwtAuthOptions.SigningKeys"/>, by distinct <c>kid</c>.</summary>
    public static IReadOnlyList<SigningKey> Build(JwtAuthOptions options)
    {
        var keys = new List<SigningKey>();
        foreach (var key in PublicKeys(options.PublicKeys).Concat(options.SigningKeys.Select(Build)))
        {
            if (keys.Any(known => known.Kid == key.Kid))
            {
                throw new InvalidOperationException($"Signing key id '{key.Kid}' is configured twice.");
            }
            keys.Add(key);
        }
        return keys;
    }

    /// <summary>One key under an explicit <c>kid</c>.</summary>
    public static SigningKey Build(SigningKeyOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Kid))
        {
            throw new InvalidOperationException("Every Auth:SigningKeys entry needs a Kid.");
        }
        SecurityKey key = options.Algorithm switch
        {
            SecurityAlgorithms.HmacSha256 or SecurityAlgorithms.HmacSha384 or SecurityAlgorithms.HmacSha512 => Symmetric(options),
            SecurityAlgorithms.EcdsaSha256 => new ECDsaSecurityKey(Es256PublicKey(PublicKeyPem(options.Kid, options.Algorithm, options.KeyPem), options.Kid)),
            SecurityAlgorithms.RsaSha256 => new RsaSecurityKey(RsaPublicKey(PublicKeyPem(options.Kid, options.Algorithm, options.KeyPem), options.Kid)),
            _ => throw new InvalidOperationException(
                $"Signing key '{options.Kid}' has unsupported algorithm '{options.Algorithm}' (use {string.Join(", ", SupportedAlgorithms)})."),
        };
        key.KeyId = options.Kid;
        return new SigningKey(options.Kid, options.Algorithm, key);
    }

    /// <summary>The ES256 keys of a bundle of public keys, each under its JWK thumbprint.</summary>
    public static IEnumerable<SigningKey> PublicKeys(string? bundle)
    {
        var blocks = PemBlocks.Read(bundle);
        if (blocks.Count == 0 && !string.IsNullOrWhiteSpace(bundle))
        {
            throw new InvalidOperationException("Auth:PublicKeys holds no PEM block (expected one or more BEGIN PUBLIC KEY blocks).");
        }
        for (var i = 0; i < blocks.Count; i++)
        {
            var where = $"Auth:PublicKeys key {i + 1}";
            var key = Es256PublicKey(PublicKeyPem(where, DefaultAlgorithm, blocks[i].Pem), where);
            var kid = JwkThumbprint.Of(key);
            yield return new SigningKey(kid, DefaultAlgorithm, new ECDsaSecurityKey(key) { KeyId = kid });
        }
    }

    /// <summary>A fresh random 256-bit secret, base64: for a fleet that chooses HS256.</summary>
    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static SymmetricSecurityKey Symmetric(SigningKeyOptions options)
    {
        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(options.Secret ?? "");
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"Signing key '{options.Kid}': Secret must be base64.");
        }
        if (secret.Length < 32)
        {
            throw new InvalidOperationException($"Signing key '{options.Kid}': an HMAC secret needs at least 32 bytes, got {secret.Length}.");
        }
        return new SymmetricSecurityKey(secret);
    }

    /// <summary>The one PEM public key in <paramref name="pem"/>; a private key is refused, never used for its public half.</summary>
    private static string PublicKeyPem(string name, string algorithm, string? pem)
    {
        var blocks = PemBlocks.Read(pem);
        if (blocks.Count == 0)
        {
            throw new InvalidOperationException($"Signing key '{name}' ({algorithm}) needs KeyPem, a PEM public key (BEGIN PUBLIC KEY).");
        }
        if (blocks.Any(block => PemBlocks.IsPrivateKey(block.Label)))
        {
            throw new InvalidOperationException(
                $"Signing key '{name}' ({algorithm}) is a private key. Gateways verify with public keys only " +
                "(`openssl pkey -in <private.pem> -pubout`); the private key stays with whoever mints tokens.");
        }
        if (blocks.Count != 1 || blocks[0].Label != PemBlocks.PublicKeyLabel)
        {
            throw new InvalidOperationException(
                $"Signing key '{name}' ({algorithm}) must be one PEM public key (BEGIN PUBLIC KEY), not {string.Join(", ", blocks.Select(block => block.Label))}.");
        }
        return blocks[0].Pem;
    }

    private static ECDsa Es256PublicKey(string pem, string name)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (CryptographicException)
        {
            key.Dispose();
            throw new InvalidOperationException($"Signing key '{name}' (ES256) is not an EC public key.");
        }
        if (!P256.Is(key))
        {
            key.Dispose();
            throw new InvalidOperationException($"Signing key '{name}' (ES256) must be on curve P-256.");
        }
        return key;
    }

    private static RSA RsaPublicKey(string pem, string name)
    {
        var key = RSA.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (CryptographicException)
        {
            key.Dispose();
            throw new InvalidOperationException($"Signing key '{name}' (RS256) is not an RSA public key.");
        }
        return key;
    }
}
