using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenAI.Chat;
using PolarGrid.Client;

namespace PolarGrid.Cli;

/// <summary>
/// <c>polargrid chat</c>: streams a chat through the client-side router, exactly as an application using
/// <c>AddPolarGridRouter</c> would: the routing table from the control plane (verified, cached), probes, node choice,
/// retries before the first byte.
/// </summary>
public static class ChatCommand
{
    public const string Usage = $"""
        polargrid chat --model MODEL [--message TEXT] [--max-tokens N] [--cache FILE] {FleetConnection.Usage}
          Streams the answer to one message (or to each line typed on standard input) from whichever node the router
          picks, then names the node that answered. The routing table must verify with --routing-key (default the
          local fleet's .polargrid/controlplane/routing-public.pem).
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var options = Arguments.Parse(args);
        var connection = new FleetConnection(options);
        var model = options.Single("model") ?? throw new ArgumentException("--model is required.");
        var keyFile = connection.RoutingKeyFile;
        if (!File.Exists(keyFile))
        {
            throw new ArgumentException($"The router trusts only signed routing tables: no public key at {keyFile} (pass --routing-key).");
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{RouterOptions.SectionName}:ControlPlaneUrls:0"] = connection.ControlPlane.ToString(),
            [$"{RouterOptions.SectionName}:TrustedKeys:{options.Single("key-id") ?? "local"}"] = await File.ReadAllTextAsync(keyFile, cancellationToken),
            [$"{RouterOptions.SectionName}:CachePath"] = options.Single("cache") ?? Path.Combine(connection.DataRoot, "client", "routing-table.json"),
            [$"{RouterOptions.SectionName}:ApiKey"] = connection.Token ?? throw new ArgumentException("No token: pass --token, set POLARGRID_TOKEN, or point --data-root at the fleet."),
        });
        builder.Services.AddPolarGridRouter(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        try
        {
            var chat = host.Services.GetRequiredService<OpenAIClient>().GetChatClient(model);
            var completion = new ChatCompletionOptions { MaxOutputTokenCount = int.Parse(options.Single("max-tokens") ?? "256", System.Globalization.CultureInfo.InvariantCulture) };
            if (options.Single("message") is { } message)
            {
                await StreamAsync(chat, message, completion, output, cancellationToken);
                return 0;
            }
            while (await Console.In.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length > 0)
                {
                    await StreamAsync(chat, line, completion, output, cancellationToken);
                }
            }
            return 0;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static async Task StreamAsync(ChatClient chat, string message, ChatCompletionOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage(message)], options, cancellationToken))
        {
            foreach (var part in update.ContentUpdate)
            {
                await output.WriteAsync(part.Text);
            }
        }
        await output.WriteLineAsync();
    }
}
