using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace PolarGrid.ControlPlane.Admin;

/// <summary>
/// The admin API's bearer key (<c>ControlPlane:AdminKey</c>). Only its SHA-256 is kept, and a presented key is
/// compared by hash in constant time, so neither its content nor its length leaks through timing.
/// </summary>
public sealed class AdminKey
{
    /// <summary>Shorter keys are refused at start: an admin key is a generated secret, not a password.</summary>
    public const int MinimumLength = 32;

    private readonly byte[]? _hash;

    public AdminKey(IOptions<ControlPlaneOptions> options, ILogger<AdminKey> logger)
    {
        var key = options.Value.AdminKey;
        _hash = string.IsNullOrEmpty(key) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(key));
        if (_hash is null)
        {
            logger.LogWarning("ControlPlane:AdminKey is not set: the admin API refuses every request");
        }
    }

    /// <summary>False when no key is configured: the admin API is then closed, not open.</summary>
    public bool IsConfigured => _hash is not null;

    public bool Matches(string presented) =>
        _hash is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _hash);
}
