using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace PolarGrid.Auth;

/// <summary>A configured key, bound to the one algorithm it may be used with.</summary>
public sealed record SigningKey(string Kid, string Algorithm, SecurityKey Key);

/// <summary>Turns configured keys into security keys, refusing weak or ambiguous ones.</summary>
public static class SigningKeys
{
    public static readonly string[] SupportedAlgorithms =
        [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.HmacSha384, SecurityAlgorithms.HmacSha512,
         SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSha256];

    public static IReadOnlyList<SigningKey> Build(JwtAuthOptions options)
    {
        var keys = new List<SigningKey>();
        foreach (var configured in options.SigningKeys)
        {
            if (string.IsNullOrWhiteSpace(configured.Kid))
            {
                throw new InvalidOperationException("Every Auth:SigningKeys entry needs a Kid.");
            }
            if (keys.Any(key => key.Kid == configured.Kid))
            {
                throw new InvalidOperationException($"Signing key id '{configured.Kid}' is configured twice.");
            }
            keys.Add(Build(configured));
        }
        return keys;
    }

    public static SigningKey Build(SigningKeyOptions options)
    {
        SecurityKey key = options.Algorithm switch
        {
            SecurityAlgorithms.HmacSha256 or SecurityAlgorithms.HmacSha384 or SecurityAlgorithms.HmacSha512 => Symmetric(options),
            SecurityAlgorithms.EcdsaSha256 => new ECDsaSecurityKey(Pem(options, ECDsa.Create)),
            SecurityAlgorithms.RsaSha256 => new RsaSecurityKey(Pem(options, RSA.Create)),
            _ => throw new InvalidOperationException(
                $"Signing key '{options.Kid}' has unsupported algorithm '{options.Algorithm}' (use {string.Join(", ", SupportedAlgorithms)})."),
        };
        key.KeyId = options.Kid;
        return new SigningKey(options.Kid, options.Algorithm, key);
    }

    /// <summary>A fresh random 256-bit secret, base64: what the app host generates for a local fleet.</summary>
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

    private static T Pem<T>(SigningKeyOptions options, Func<T> create) where T : AsymmetricAlgorithm
    {
        if (string.IsNullOrWhiteSpace(options.KeyPem))
        {
            throw new InvalidOperationException($"Signing key '{options.Kid}' ({options.Algorithm}) needs KeyPem.");
        }
        var algorithm = create();
        algorithm.ImportFromPem(options.KeyPem);
        return algorithm;
    }
}
