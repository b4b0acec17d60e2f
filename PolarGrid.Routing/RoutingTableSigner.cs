using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace PolarGrid.Routing;

/// <summary>Signs routing tables with the control plane's private key (a PEM from a secret, never from code).</summary>
public sealed class RoutingTableSigner(string keyId, ECDsa privateKey)
{
    public string KeyId { get; } = keyId;

    public static RoutingTableSigner FromPem(string keyId, string privateKeyPem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(privateKeyPem);
        return new RoutingTableSigner(keyId, key);
    }

    public SignedRoutingTable Sign(RoutingTable table)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(table, RoutingJsonContext.Default.RoutingTable);
        var signature = privateKey.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new SignedRoutingTable(KeyId, SignedRoutingTable.EcdsaP256Sha256, Base64Url.EncodeToString(payload), Base64Url.EncodeToString(signature));
    }
}

/// <summary>Checks a signed table against the public keys a client trusts (several, so keys can rotate).</summary>
public sealed class RoutingTableVerifier(IReadOnlyDictionary<string, ECDsa> publicKeys)
{
    public static RoutingTableVerifier FromPem(IReadOnlyDictionary<string, string> publicKeyPems) =>
        new(publicKeyPems.ToDictionary(pair => pair.Key, pair =>
        {
            var key = ECDsa.Create();
            key.ImportFromPem(pair.Value);
            return key;
        }, StringComparer.Ordinal));

    /// <summary>The table, if the signature is valid under a trusted key; otherwise null.</summary>
    public RoutingTable? Verify(SignedRoutingTable signed)
    {
        if (signed.Algorithm != SignedRoutingTable.EcdsaP256Sha256 || !publicKeys.TryGetValue(signed.KeyId, out var key))
        {
            return null;
        }
        try
        {
            var payload = Base64Url.DecodeFromChars(signed.Payload);
            var signature = Base64Url.DecodeFromChars(signed.Signature);
            return key.VerifyData(payload, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
                ? JsonSerializer.Deserialize(payload, RoutingJsonContext.Default.RoutingTable)
                : null;
        }
        catch (Exception error) when (error is FormatException or JsonException)
        {
            return null;
        }
    }
}
