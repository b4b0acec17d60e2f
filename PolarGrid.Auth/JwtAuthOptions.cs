namespace PolarGrid.Auth;

/// <summary>
/// Who issues tokens, for whom, and the keys that verify them. Bound from the <c>Auth</c> section; in production the
/// keys come from a Kubernetes secret (<c>Auth__PublicKeys</c>), never from code.
/// </summary>
public sealed class JwtAuthOptions
{
    public const string SectionName = "Auth";

    public string Issuer { get; set; } = "polargrid";

    public string Audience { get; set; } = "polargrid-gateway";

    /// <summary>Tolerated clock difference; capped at <see cref="MaxClockSkew"/>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// ES256 public keys, one or more SubjectPublicKeyInfo PEM blocks (<c>BEGIN PUBLIC KEY</c>) in one text: the default
    /// way a gateway is given its keys. Each key's <c>kid</c> is its JWK thumbprint (<see cref="JwkThumbprint"/>), so the
    /// text needs no labels and a rotation is one more block, then one less.
    /// </summary>
    public string? PublicKeys { get; set; }

    /// <summary>Keys named by an explicit <c>kid</c>, each with its algorithm: how HS256 (or RS256) keys are configured.</summary>
    public List<SigningKeyOptions> SigningKeys { get; set; } = [];
}
