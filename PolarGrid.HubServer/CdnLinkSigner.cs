using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace PolarGrid.HubServer;

/// <summary>Signs CDN links with an expiry, like the Hub's pre-signed LFS URLs, so clients must re-resolve after they lapse.</summary>
public sealed class CdnLinkSigner(HubAddresses addresses, TimeProvider time, IOptions<HubOptions> options)
{
    // A per-process key: links only need to survive as long as the server that issued them.
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public Uri CreateLink(string sha256)
    {
        var expires = time.GetUtcNow().Add(options.Value.CdnLinkLifetime).ToUnixTimeSeconds();
        return new Uri(addresses.CdnBaseAddress, $"lfs/{sha256}?expires={expires}&signature={Sign(sha256, expires)}");
    }

    public bool IsValid(string sha256, string? expires, string? signature)
    {
        if (!long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var expiresAt) || signature is null
            || time.GetUtcNow().ToUnixTimeSeconds() > expiresAt)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(sha256, expiresAt)), Encoding.ASCII.GetBytes(signature));
    }

    private string Sign(string sha256, long expires) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes($"{sha256.ToLowerInvariant()}:{expires}")));
}
