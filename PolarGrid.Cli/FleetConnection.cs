using System.Net.Http.Headers;
using System.Text.Json;
using PolarGrid.Routing;

namespace PolarGrid.Cli;

/// <summary>
/// Where the fleet is and who the user is, from options, environment variables or the local fleet's data root:
/// <c>--control-plane</c> / <c>POLARGRID_CONTROL_PLANE</c> (default the local fleet's <c>http://localhost:8300</c>),
/// <c>--token</c> / <c>POLARGRID_TOKEN</c> / <c>&lt;data-root&gt;/auth/token</c>, and the routing table's public key
/// <c>--routing-key FILE</c> / <c>&lt;data-root&gt;/controlplane/routing-public.pem</c>.
/// </summary>
public sealed class FleetConnection(Arguments options)
{
    public const string Usage = "[--control-plane URL] [--token JWT] [--data-root DIR] [--routing-key PEM-FILE] [--key-id ID]";

    public string DataRoot => options.Single("data-root") ?? ".polargrid";

    public string RoutingKeyFile => options.Single("routing-key") ?? Path.Combine(DataRoot, "controlplane", "routing-public.pem");

    public Uri ControlPlane => new(options.Single("control-plane") ?? Environment.GetEnvironmentVariable("POLARGRID_CONTROL_PLANE") ?? "http://localhost:8300");

    public string? Token
    {
        get
        {
            if ((options.Single("token") ?? Environment.GetEnvironmentVariable("POLARGRID_TOKEN")) is { Length: > 0 } token)
            {
                return token;
            }
            var file = Path.Combine(DataRoot, "auth", "token");
            return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
        }
    }

    public HttpClient CreateClient(Uri? baseAddress = null, TimeSpan? timeout = null)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        if (Token is { } token)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }

    /// <summary>The routing table, verified when a public key is known; the answer says whether it was.</summary>
    public async Task<(RoutingTable Table, bool Verified)> FetchRoutingTableAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = ControlPlane, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync("/v1/routing-table", cancellationToken);
        response.EnsureSuccessStatusCode();
        var signed = await JsonSerializer.DeserializeAsync(await response.Content.ReadAsStreamAsync(cancellationToken),
            RoutingJsonContext.Default.SignedRoutingTable, cancellationToken) ?? throw new InvalidOperationException("The control plane sent an empty routing table.");

        var keyFile = RoutingKeyFile;
        if (File.Exists(keyFile))
        {
            var verifier = RoutingTableVerifier.FromPem(new Dictionary<string, string> { [options.Single("key-id") ?? signed.KeyId] = File.ReadAllText(keyFile) });
            var table = verifier.Verify(signed) ?? throw new InvalidOperationException(
                $"The routing table's signature does not verify with {keyFile}: refusing to use it.");
            return (table, true);
        }

        var unverified = JsonSerializer.Deserialize(System.Buffers.Text.Base64Url.DecodeFromChars(signed.Payload), RoutingJsonContext.Default.RoutingTable)
            ?? throw new InvalidOperationException("The routing table's payload is empty.");
        return (unverified, false);
    }

    /// <summary>A colo's gateway: <c>--gateway URL</c> if given, else the colo's URL in the routing table.</summary>
    public async Task<Uri> GatewayAsync(string? colo, CancellationToken cancellationToken)
    {
        if (options.Single("gateway") is { } gateway)
        {
            return new Uri(gateway);
        }
        if (colo is null)
        {
            throw new ArgumentException("Name the node with --colo (or give --gateway URL).");
        }
        var (table, _) = await FetchRoutingTableAsync(cancellationToken);
        return table.Nodes.FirstOrDefault(node => node.Colo == colo)?.Url
            ?? throw new ArgumentException($"The routing table has no colo '{colo}' (it has: {string.Join(", ", table.Nodes.Select(node => node.Colo))}).");
    }
}
