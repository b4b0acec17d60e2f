namespace PolarGrid.Auth;

/// <summary>
/// Who issues tokens, for whom, and the keys that sign them. Bound from the <c>Auth</c> section; in production the
/// keys come from a Kubernetes secret (<c>Auth__SigningKeys__0__Secret</c> and so on), never from code.
/// </summary>
public sealed class JwtAuthOptions
{
    public const string SectionName = "Auth";

    public string Issuer { get; set; } = "polargrid";

    public string Audience { get; set; } = "polargrid-gateway";

    /// <summary>Tolerated clock difference; capped at <see cref="MaxClockSkew"/>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>Every key a valid token may be signed with, by <c>kid</c>: several during a rotation.</summary>
    public List<SigningKeyOptions> SigningKeys { get; set; } = [];
}

public sealed class SigningKeyOptions
{
    /// <summary>The key id tokens name in their <c>kid</c> header.</summary>
    public string Kid { get; set; } = "";

    /// <summary>HS256, HS384, HS512 (shared secret), ES256 or RS256 (public key).</summary>
    public string Algorithm { get; set; } = "HS256";

    /// <summary>Base64 shared secret for HS* keys (at least 32 bytes).</summary>
    public string? Secret { get; set; }

    /// <summary>PEM public key for ES256 / RS256; a private key also works where tokens are minted.</summary>
    public string? KeyPem { get; set; }
}
