using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using PolarGrid.Gateway.OpenAI;

namespace PolarGrid.Gateway.Apis;

/// <summary>
/// Server-sent events in OpenAI's streaming format: one <c>chat.completion.chunk</c> per delta, flushed at once, a last
/// chunk with the finish reason, the usage chunk when asked for, then <c>data: [DONE]</c>. Each event is written whole
/// into the response pipe and flushed once: one network write per token.
/// </summary>
public sealed class ChatStreamWriter(HttpContext context, string id, long created, string model, string fingerprint, bool includeUsage)
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    private Utf8JsonWriter? _json;

    /// <summary>Sends the headers and the opening chunk; it leaves with the first content chunk.</summary>
    public Task StartAsync()
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        Write(new ChatDelta("assistant", ""), finishReason: null);
        return context.Response.StartAsync(context.RequestAborted);
    }

    public async Task WriteContentAsync(string text)
    {
        Write(new ChatDelta(null, text), finishReason: null);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    public async Task FinishAsync(string finishReason, Usage usage)
    {
        Write(new ChatDelta(null, null), finishReason);
        if (includeUsage)
        {
            Write(new ChatCompletionChunk(id, "chat.completion.chunk", created, model, [], fingerprint, usage));
        }
        context.Response.BodyWriter.Write(Done);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    public static async Task WriteErrorAsync(HttpContext context, OpenAIException error)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        var body = context.Response.BodyWriter;
        body.Write(DataPrefix);
        using (var json = new Utf8JsonWriter(body))
        {
            JsonSerializer.Serialize(json, OpenAIErrorWriter.Body(error), OpenAIJsonContext.Default.ErrorResponse);
        }
        body.Write(EventEnd);
        await body.FlushAsync();
    }

    private void Write(ChatDelta delta, string? finishReason) =>
        Write(new ChatCompletionChunk(id, "chat.completion.chunk", created, model,
            [new ChatChunkChoice(0, delta, finishReason, null)], fingerprint, Usage: null));

    private void Write(ChatCompletionChunk chunk)
    {
        var body = context.Response.BodyWriter;
        body.Write(DataPrefix);
        if (_json is null)
        {
            _json = new Utf8JsonWriter(body);
        }
        else
        {
            _json.Reset(body);
        }
        JsonSerializer.Serialize(_json, chunk, OpenAIJsonContext.Default.ChatCompletionChunk);
        _json.Flush();
        body.Write(EventEnd);
    }
}
