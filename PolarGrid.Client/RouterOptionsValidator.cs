using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace PolarGrid.Client;

/// <summary>Refuses settings the router cannot work with, at start rather than at the first request.</summary>
internal sealed class RouterOptionsValidator : IValidateOptions<RouterOptions>
{
    private const string Section = RouterOptions.SectionName;
    private const int MaxRetryCount = 10;

    public ValidateOptionsResult Validate(string? name, RouterOptions options)
    {
        var failures = new List<string>();

        if (options.ControlPlaneUrls.Count == 0 && options.FallbackNodes.Count == 0)
        {
            failures.Add($"{Section}: set ControlPlaneUrls or FallbackNodes, or there is no node to route to.");
        }
        foreach (var url in options.ControlPlaneUrls)
        {
            if (!IsHttpUrl(url))
            {
                failures.Add($"{Section}:ControlPlaneUrls: '{url}' is not an absolute http(s) URL.");
            }
        }
        if (options.ControlPlaneUrls.Count > 0 && options.TrustedKeys.Count == 0)
        {
            // Without a key no table could ever be verified: fail now, not on every refresh.
            failures.Add($"{Section}:TrustedKeys: at least one public key (PEM, by key id) is needed to verify the routing table.");
        }
        foreach (var (keyId, pem) in options.TrustedKeys)
        {
            if (!IsEcPublicKey(pem))
            {
                failures.Add($"{Section}:TrustedKeys:{keyId} is not a PEM EC public key.");
            }
        }
        foreach (var node in options.FallbackNodes)
        {
            if (!IsHttpUrl(node.Url))
            {
                failures.Add($"{Section}:FallbackNodes: each node needs an absolute http(s) Url ('{node.Url}').");
            }
        }

        Positive(failures, options.MaxStaleness, nameof(options.MaxStaleness));
        Positive(failures, options.RefreshInterval, nameof(options.RefreshInterval));
        Positive(failures, options.ControlPlaneTimeout, nameof(options.ControlPlaneTimeout));
        Positive(failures, options.ProbeInterval, nameof(options.ProbeInterval));
        Positive(failures, options.ProbeTimeout, nameof(options.ProbeTimeout));
        Positive(failures, options.ConnectTimeout, nameof(options.ConnectTimeout));
        Positive(failures, options.ErrorRateWindow, nameof(options.ErrorRateWindow));
        if (options.ProbeJitter < TimeSpan.Zero)
        {
            failures.Add($"{Section}:ProbeJitter must not be negative.");
        }
        if (options.EwmaDecay is < 0 or >= 1)
        {
            failures.Add($"{Section}:EwmaDecay must be at least 0 and below 1.");
        }
        if (options.EjectionThreshold is <= 0 or > 1)
        {
            failures.Add($"{Section}:EjectionThreshold must be above 0 and at most 1.");
        }
        if (options.ErrorRateMinimumRequests < 1)
        {
            failures.Add($"{Section}:ErrorRateMinimumRequests must be at least 1.");
        }
        if (options.ReadmitAfterProbes < 1)
        {
            failures.Add($"{Section}:ReadmitAfterProbes must be at least 1.");
        }
        if (options.RetryCount is < 0 or > MaxRetryCount)
        {
            // Each extra attempt is another node; more than ten is a fleet-wide retry storm, not resilience.
            failures.Add($"{Section}:RetryCount must be between 0 and {MaxRetryCount}.");
        }
        if (options.Hedging.DefaultTimeToFirstTokenDeadline is { } fallbackDeadline)
        {
            Positive(failures, fallbackDeadline, "Hedging:DefaultTimeToFirstTokenDeadline");
        }
        foreach (var (model, deadline) in options.Hedging.TimeToFirstTokenDeadlines)
        {
            Positive(failures, deadline, $"Hedging:TimeToFirstTokenDeadlines:{model}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, TimeSpan value, string key)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:{key} must be positive.");
        }
    }

    private static bool IsHttpUrl(Uri? url) =>
        url is { IsAbsoluteUri: true } && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

    private static bool IsEcPublicKey(string pem)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(pem);
            return true;
        }
        catch (Exception error) when (error is ArgumentException or CryptographicException)
        {
            return false;
        }
    }
}
