using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace PolarGrid.Auth;

/// <summary>
/// The JWK thumbprint (RFC 7638) of a P-256 public key: the <c>kid</c> of the keys in <see cref="JwtAuthOptions.PublicKeys"/>
/// and of tokens minted with their private halves. Derived from the key itself, so a token and the gateway always agree
/// on it, and two different keys never share one.
/// </summary>
public static class JwkThumbprint
{
    public static string Of(ECDsa key)
    {
        if (!P256.Is(key))
        {
            throw new ArgumentException("Only P-256 keys have an ES256 thumbprint here.", nameof(key));
        }
        var point = key.ExportParameters(includePrivateParameters: false);
        // RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace.
        var canonical = $$"""{"crv":"P-256","kty":"EC","x":"{{Base64Url.EncodeToString(point.Q.X)}}","y":"{{Base64Url.EncodeToString(point.Q.Y)}}"}""";
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
