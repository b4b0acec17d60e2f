namespace PolarGrid.Auth;

/// <summary>One key a gateway verifies tokens with, under an explicit <c>kid</c>.</summary>
public sealed class SigningKeyOptions
{
    /// <summary>The key id tokens name in their <c>kid</c> header.</summary>
    public string Kid { get; set; } = "";

    /// <summary>
    /// ES256 (the default) or RS256 with a public key in <see cref="KeyPem"/>; HS256, HS384 or HS512 with a shared
    /// <see cref="Secret"/>, only when configured explicitly.
    /// </summary>
    public string Algorithm { get; set; } = SigningKeys.DefaultAlgorithm;

    /// <summary>Base64 shared secret for HS* keys (at least 32 bytes).</summary>
    public string? Secret { get; set; }

    /// <summary>PEM public key (SubjectPublicKeyInfo, <c>BEGIN PUBLIC KEY</c>) for ES256 / RS256; never a private key.</summary>
    public string? KeyPem { get; set; }
}
