using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace PolarGrid.Cli;

/// <summary><c>polargrid nodes</c>: the routing table as a table, with each node's health and round-trip time measured now.</summary>
public static class NodesCommand
{
    public const string Usage = $"""
        polargrid nodes {FleetConnection.Usage}
          Shows every node of the routing table: colo, region, state, models, and its /health answer and latency now.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var connection = new FleetConnection(Arguments.Parse(args));
        var (table, verified) = await connection.FetchRoutingTableAsync(cancellationToken);
        output.WriteLine($"routing table v{table.Version} from {connection.ControlPlane} ({(verified ? "signature verified" : "signature NOT verified: no public key")}{(table.Stale ? ", STALE" : "")}), generated {table.GeneratedAt:u}");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var probes = await Task.WhenAll(table.Nodes.Select(node => ProbeAsync(http, node.Url, cancellationToken)));
        var rows = table.Nodes.Zip(probes, (node, probe) => new[]
        {
            node.Colo,
            node.Region,
            node.State,
            probe.Status,
            probe.Latency is { } latency ? latency.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture) + " ms" : "-",
            node.Models.Count == 0 ? "-" : string.Join(" ", node.Models.Select(model => model.State == "ready" ? model.Id : $"{model.Id}({model.State})")),
            node.Url.ToString(),
        }).ToList();
        Table.Write(output, ["COLO", "REGION", "STATE", "HEALTH", "RTT", "MODELS", "URL"], rows);
        return 0;
    }

    private static async Task<(string Status, TimeSpan? Latency)> ProbeAsync(HttpClient http, Uri node, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        try
        {
            using var response = await http.GetAsync(new Uri(node, "/health"), cancellationToken);
            var elapsed = stopwatch.Elapsed;
            using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            var status = body.RootElement.TryGetProperty("status", out var value) ? value.GetString() ?? "?" : ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            return (status.ToLowerInvariant(), elapsed);
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException or JsonException)
        {
            return ("unreachable", null);
        }
    }
}
