using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using PolarGrid.Gateway.OpenAI;

namespace PolarGrid.Gateway.Apis;

/// <summary>
/// Server-sent events in OpenAI's streaming format: one <c>chat.completion.chunk</c> per delta, flushed at once, a last
/// chunk with the finish reason, the usage chunk when asked for, then <c>data: [DONE]</c>.
/// </summary>
public sealed class ChatStreamWriter(HttpContext context, string id, long created, string model, bool includeUsage)
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    private readonly string _fingerprint = $"polargrid-{model}";

    public async Task StartAsync()
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        await WriteChunkAsync(new ChatDelta("assistant", ""), finishReason: null, usage: null);
    }

    public Task WriteContentAsync(string text) => WriteChunkAsync(new ChatDelta(null, text), finishReason: null, usage: null);

    public async Task FinishAsync(string finishReason, Usage usage)
    {
        await WriteChunkAsync(new ChatDelta(null, null), finishReason, usage: null);
        if (includeUsage)
        {
            await WriteAsync(new ChatCompletionChunk(id, "chat.completion.chunk", created, model, [], _fingerprint, usage));
        }
        await context.Response.Body.WriteAsync(Done, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public static async Task WriteErrorAsync(HttpContext context, OpenAIException error)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        await context.Response.Body.WriteAsync(DataPrefix);
        await JsonSerializer.SerializeAsync(context.Response.Body, OpenAIErrorWriter.Body(error), OpenAIJsonContext.Default.ErrorResponse);
        await context.Response.Body.WriteAsync(EventEnd);
        await context.Response.Body.FlushAsync();
    }

    private Task WriteChunkAsync(ChatDelta delta, string? finishReason, Usage? usage) =>
        WriteAsync(new ChatCompletionChunk(id, "chat.completion.chunk", created, model,
            [new ChatChunkChoice(0, delta, finishReason, null)], _fingerprint, usage));

    private async Task WriteAsync(ChatCompletionChunk chunk)
    {
        var body = context.Response.Body;
        await body.WriteAsync(DataPrefix, context.RequestAborted);
        await JsonSerializer.SerializeAsync(body, chunk, OpenAIJsonContext.Default.ChatCompletionChunk, context.RequestAborted);
        await body.WriteAsync(EventEnd, context.RequestAborted);
        await body.FlushAsync(context.RequestAborted);
    }
}
