using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PolarGrid.Routing;

namespace PolarGrid.ControlPlane.Routing;

/// <summary>
/// The key that signs routing tables (<c>ControlPlane:SigningKeyPem</c>, a secret) and the public keys published for
/// clients to pin: the current one and any <c>ControlPlane:PreviousPublicKeys</c> kept during a rotation.
/// </summary>
public sealed class RoutingKeyRing
{
    private const string P256Oid = "1.2.840.10045.3.1.7";

    public RoutingKeyRing(IOptions<ControlPlaneOptions> options)
    {
        var configured = options.Value;
        var key = LoadPrivateKey(configured.SigningKeyPem)
            ?? throw new InvalidOperationException("ControlPlane:SigningKeyPem must be a PEM ECDSA P-256 private key.");
        var publicKeyPem = key.ExportSubjectPublicKeyInfoPem();
        KeyId = string.IsNullOrWhiteSpace(configured.SigningKeyId) ? Thumbprint(key) : configured.SigningKeyId.Trim();
        Signer = new RoutingTableSigner(KeyId, key);

        var keys = new Dictionary<string, string>(configured.PreviousPublicKeys, StringComparer.Ordinal);
        keys[KeyId] = publicKeyPem;
        PublicKeys = keys;
    }

    public string KeyId { get; }

    public RoutingTableSigner Signer { get; }

    /// <summary>Public keys (SubjectPublicKeyInfo PEM) by key id, the current one included.</summary>
    public IReadOnlyDictionary<string, string> PublicKeys { get; }

    /// <summary>Whether <paramref name="pem"/> holds an ECDSA P-256 private key; never says anything about its content.</summary>
    public static bool IsValidPrivateKey(string? pem)
    {
        using var key = LoadPrivateKey(pem);
        return key is not null;
    }

    /// <summary>Whether <paramref name="pem"/> holds an ECDSA P-256 public key (for the previous keys).</summary>
    public static bool IsValidPublicKey(string? pem)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            return false;
        }
        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(pem);
            return key.ExportParameters(includePrivateParameters: false).Curve.Oid.Value == P256Oid;
        }
        catch (Exception error) when (error is ArgumentException or CryptographicException)
        {
            return false;
        }
    }

    private static ECDsa? LoadPrivateKey(string? pem)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            return null;
        }
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            // Throws for a public key: signing needs the private half.
            var parameters = key.ExportParameters(includePrivateParameters: true);
            if (parameters.Curve.Oid.Value == P256Oid)
            {
                return key;
            }
        }
        catch (Exception error) when (error is ArgumentException or CryptographicException)
        {
            // Deliberately no detail: the message must not echo any part of a secret.
        }
        key.Dispose();
        return null;
    }

    /// <summary>A stable id derived from the public key, so a rotated key never reuses an id by accident.</summary>
    private static string Thumbprint(ECDsa key) =>
        Base64Url.EncodeToString(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
}
