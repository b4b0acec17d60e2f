using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace PolarGrid.Cli;

/// <summary><c>polargrid load</c>: deploys a Hugging Face model onto one named colo and follows the job.</summary>
public static class LoadCommand
{
    public const string Usage = $"""
        polargrid load --colo COLO --model ORG/NAME [--name SERVED] [--revision REV] [--subfolder DIR] [--no-wait]
                       [--gateway URL] {FleetConnection.Usage}
          Asks one colo's gateway to load a Hub model (scope models:admin) and prints the job's progress until it is
          ready or failed. The colo's address comes from the routing table unless --gateway is given.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var options = Arguments.Parse(args);
        var connection = new FleetConnection(options);
        var model = options.Single("model") ?? throw new ArgumentException("--model ORG/NAME is required.");
        var gateway = await connection.GatewayAsync(options.Single("colo"), cancellationToken);

        using var http = connection.CreateClient(gateway);
        var request = new Dictionary<string, string> { ["model"] = model };
        foreach (var field in new[] { "name", "revision", "subfolder" })
        {
            if (options.Single(field) is { } value)
            {
                request[field] = value;
            }
        }
        using var response = await http.PostAsJsonAsync("/v1/models/load", request, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            error.WriteLine($"{(int)response.StatusCode}: {Message(body)}");
            return 1;
        }

        var location = response.Headers.Location?.OriginalString ?? $"/v1/models/load/{body.GetProperty("id").GetString()}";
        output.WriteLine($"job {body.GetProperty("id").GetString()} on {gateway}: {model}@{body.GetProperty("commit").GetString()} as {body.GetProperty("name").GetString()}");
        if (options.Single("no-wait") is not null)
        {
            return 0;
        }

        var last = "";
        while (true)
        {
            var status = body.GetProperty("status").GetString()!;
            var line = Describe(body);
            if (line != last)
            {
                output.WriteLine(line);
                last = line;
            }
            switch (status)
            {
                case "ready":
                    return 0;
                case "failed" or "superseded" or "unloaded":
                    return 1;
            }
            await Task.Delay(500, cancellationToken);
            body = await http.GetFromJsonAsync<JsonElement>(location, cancellationToken);
        }
    }

    private static string Describe(JsonElement job)
    {
        var status = job.GetProperty("status").GetString();
        var progress = job.GetProperty("progress");
        return status switch
        {
            "downloading" => string.Create(CultureInfo.InvariantCulture,
                $"downloading {progress.GetProperty("bytes_done").GetInt64() / 1048576.0:F1} / {progress.GetProperty("bytes_total").GetInt64() / 1048576.0:F1} MiB ({progress.GetProperty("files_done").GetInt32()}/{progress.GetProperty("files_total").GetInt32()} files)"),
            "ready" => $"ready (version {job.GetProperty("version")})",
            "failed" => $"failed: {Message(job)}",
            _ => status ?? "?",
        };
    }

    private static string Message(JsonElement body) =>
        body.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message)
            ? $"{message.GetString()}{(error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String ? $" ({code.GetString()})" : "")}"
            : body.ToString();
}
