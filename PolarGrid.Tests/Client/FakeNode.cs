using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Client;

/// <summary>What a fake node does with a chat request.</summary>
public enum ChatBehavior
{
    Ok,
    Fail500,
    RateLimited429,

    /// <summary>Never answers; the request ends only when the client cancels it.</summary>
    Hang,

    /// <summary>Sends the headers and the first chunk of a stream, then drops the connection when the test says.</summary>
    BreakMidStream,
}

/// <summary>
/// A gateway stand-in on loopback: anonymous <c>/health</c> in the gateway's shape and an OpenAI-like
/// <c>/v1/chat/completions</c> (JSON or SSE), answering "hello from &lt;colo&gt;" or failing the way the test says.
/// Stopping it makes connections refused; starting it again reuses its port.
/// </summary>
public sealed class FakeNode : IAsyncDisposable
{
    private WebApplication? _app;
    private int _healthRequests;
    private int _chatRequests;
    private int _abortedRequests;

    private FakeNode(string colo, IEnumerable<string> models)
    {
        Colo = colo;
        Port = FreePort.Next();
        Url = new Uri($"http://127.0.0.1:{Port}/");
        foreach (var model in models)
        {
            ModelStates[model] = "ready";
        }
    }

    public string Colo { get; }

    public int Port { get; }

    public Uri Url { get; }

    /// <summary>What <c>/health</c> lists under <c>checks.models.data</c>.</summary>
    public ConcurrentDictionary<string, string> ModelStates { get; } = new();

    /// <summary>When set, <c>/health</c> answers 503 with status "unhealthy".</summary>
    public bool Unhealthy { get; set; }

    public ChatBehavior Chat { get; set; }

    /// <summary>Added before a chat answer's headers.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>With <see cref="ChatBehavior.BreakMidStream"/>: the connection drops when this completes.</summary>
    public TaskCompletionSource BreakStream { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When set, chat requests wait for it before answering.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public int HealthRequests => Volatile.Read(ref _healthRequests);

    public int ChatRequests => Volatile.Read(ref _chatRequests);

    /// <summary>Chat requests the client cancelled (connection closed) before they were answered.</summary>
    public int AbortedRequests => Volatile.Read(ref _abortedRequests);

    public string? LastAuthorization { get; private set; }

    public bool? LastStream { get; private set; }

    public static async Task<FakeNode> StartAsync(string colo, params string[] models)
    {
        var node = new FakeNode(colo, models);
        await node.StartAsync();
        return node;
    }

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Url.GetLeftPart(UriPartial.Authority));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/health", HealthAsync);
        app.MapPost("/v1/chat/completions", ChatAsync);
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task HealthAsync(HttpContext context)
    {
        Interlocked.Increment(ref _healthRequests);
        var status = Unhealthy ? "unhealthy" : "healthy";
        context.Response.StatusCode = Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        var body = new
        {
            status,
            checks = new Dictionary<string, object>
            {
                ["triton"] = new { status, data = new { ready = !Unhealthy } },
                ["models"] = new
                {
                    status = "healthy",
                    data = ModelStates.ToDictionary(pair => pair.Key, pair => (object)new { state = pair.Value }),
                },
            },
        };
        await context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    private async Task ChatAsync(HttpContext context)
    {
        Interlocked.Increment(ref _chatRequests);
        var aborted = context.RequestAborted;
        using var onAbort = aborted.Register(() => Interlocked.Increment(ref _abortedRequests));
        using var request = await JsonDocument.ParseAsync(context.Request.Body);
        var model = request.RootElement.GetProperty("model").GetString()!;
        var stream = request.RootElement.TryGetProperty("stream", out var streamElement) && streamElement.ValueKind == JsonValueKind.True;
        LastAuthorization = context.Request.Headers.Authorization;
        LastStream = stream;

        try
        {
            if (Gate is { } gate)
            {
                await gate.Task.WaitAsync(aborted);
            }
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, aborted);
            }
            switch (Chat)
            {
                case ChatBehavior.Hang:
                    await Task.Delay(Timeout.Infinite, aborted);
                    return;
                case ChatBehavior.Fail500:
                    await ErrorAsync(context, StatusCodes.Status500InternalServerError, "server_error");
                    return;
                case ChatBehavior.RateLimited429:
                    context.Response.Headers.RetryAfter = "1";
                    await ErrorAsync(context, StatusCodes.Status429TooManyRequests, "rate_limit_exceeded");
                    return;
            }

            var words = new[] { "hello", " from", $" {Colo}" };
            if (!stream)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(JsonSerializer.Serialize(new
                {
                    id = "chatcmpl-test",
                    @object = "chat.completion",
                    created = 1_700_000_000,
                    model,
                    choices = new[] { new { index = 0, message = new { role = "assistant", content = string.Concat(words) }, finish_reason = "stop" } },
                    usage = new { prompt_tokens = 3, completion_tokens = 3, total_tokens = 6 },
                }), aborted);
                return;
            }

            context.Response.ContentType = "text/event-stream";
            foreach (var word in words)
            {
                await WriteEventAsync(context, Chunk(model, new { role = "assistant", content = word }, null));
                if (Chat == ChatBehavior.BreakMidStream)
                {
                    await BreakStream.Task.WaitAsync(aborted);
                    context.Abort();
                    return;
                }
            }
            await WriteEventAsync(context, Chunk(model, new { }, "stop"));
            await context.Response.WriteAsync("data: [DONE]\n\n", aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
        }
    }

    private static object Chunk(string model, object delta, string? finishReason) => new
    {
        id = "chatcmpl-test",
        @object = "chat.completion.chunk",
        created = 1_700_000_000,
        model,
        choices = new[] { new { index = 0, delta, finish_reason = finishReason } },
    };

    private static async Task WriteEventAsync(HttpContext context, object chunk)
    {
        await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(chunk)}\n\n", Encoding.UTF8, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static async Task ErrorAsync(HttpContext context, int status, string code)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { error = new { message = code, type = code, param = (string?)null, code } }));
    }
}
