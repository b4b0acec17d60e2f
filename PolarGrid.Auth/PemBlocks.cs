using System.Security.Cryptography;

namespace PolarGrid.Auth;

/// <summary>The PEM blocks (RFC 7468) in a text, in order: what a key file or a bundle of public keys holds.</summary>
public static class PemBlocks
{
    public const string PublicKeyLabel = "PUBLIC KEY";

    public const string PrivateKeyLabel = "PRIVATE KEY";

    /// <summary>
    /// Each block as its label and its whole text (<c>-----BEGIN …</c> to <c>-----END …-----</c>). A damaged block is
    /// an error, not skipped: a bundle of public keys must not quietly lose the one a rotation just added.
    /// </summary>
    public static IReadOnlyList<(string Label, string Pem)> Read(string? text)
    {
        var blocks = new List<(string, string)>();
        var rest = (text ?? "").AsMemory();
        while (PemEncoding.TryFind(rest.Span, out var fields))
        {
            var block = rest[fields.Location];
            blocks.Add((rest[fields.Label].ToString(), block.ToString()));
            rest = rest[fields.Location.End..];
        }
        var begins = (text ?? "").Split("-----BEGIN ").Length - 1;
        if (begins != blocks.Count)
        {
            throw new InvalidOperationException($"{begins - blocks.Count} of {begins} PEM blocks are damaged (BEGIN without a matching END, or bad base64).");
        }
        return blocks;
    }

    /// <summary>True for any private key label: <c>PRIVATE KEY</c>, <c>EC PRIVATE KEY</c>, <c>ENCRYPTED PRIVATE KEY</c>…</summary>
    public static bool IsPrivateKey(string label) => label.EndsWith(PrivateKeyLabel, StringComparison.Ordinal);
}
