using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace PolarGrid.Auth;

/// <summary>Mints tokens the gateway accepts: for local use, tests and the operator CLI.</summary>
public static class TokenIssuer
{
    public static string Mint(JwtAuthOptions auth, SigningKey key, string subject, IEnumerable<string> scopes, TimeSpan lifetime,
        IReadOnlyDictionary<string, object>? extraClaims = null, DateTime? now = null)
    {
        var issuedAt = now ?? DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["scope"] = string.Join(' ', scopes),
        };
        foreach (var (name, value) in extraClaims ?? new Dictionary<string, object>())
        {
            claims[name] = value;
        }

        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + lifetime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key.Key, key.Algorithm),
        });
    }
}
