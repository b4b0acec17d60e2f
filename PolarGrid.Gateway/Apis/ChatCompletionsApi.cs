using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using PolarGrid.Gateway.Auth;
using PolarGrid.Gateway.Inference;
using PolarGrid.Gateway.Models;
using PolarGrid.Gateway.OpenAI;
using PolarGrid.Gateway.RateLimiting;
using PolarGrid.Gateway.Telemetry;

namespace PolarGrid.Gateway.Apis;

public static class ChatCompletionsApi
{
    /// <summary>More than any tokenizer's longest token: a bound on characters that is safe to refuse above.</summary>
    public const int MaxCharactersPerToken = 64;

    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", CreateChatCompletion).RequireAuthorization(AuthenticationExtensions.InferencePolicy).CountsAsTraffic();
        return app;
    }

    public static async Task CreateChatCompletion(
        HttpContext context,
        ModelCatalog catalog,
        ChatGenerator generator,
        TenantRateLimiter limiter,
        GatewayTelemetry telemetry,
        IOptions<GatewayOptions> options,
        TimeProvider time)
    {
        var started = Stopwatch.GetTimestamp();
        ChatCompletionRequest request;
        using (var body = await RequestBody.ReadJsonAsync(context, options.Value.MaxRequestBodyBytes))
        {
            request = ChatCompletionRequest.Read(body.RootElement);
        }

        using var activity = GatewayTelemetry.StartOperation("chat", request.Model);
        var assets = catalog.Find(request.Model) ?? throw OpenAIException.ModelNotFound(request.Model);
        if (assets.Chat is null)
        {
            throw OpenAIException.InvalidRequest($"The model `{request.Model}` is not a chat model.", "model");
        }

        var contextLength = assets.Descriptor.ContextLength;
        // No tokenizer packs more characters than this into a token: longer messages cannot fit, and are refused
        // before rendering and tokenizing them would cost megabytes.
        var characters = request.Messages.Sum(message => (long)message.Content.Length);
        if (characters > (long)contextLength * MaxCharactersPerToken)
        {
            throw ContextLengthExceeded(telemetry, request.Model,
                $"This model's maximum context length is {contextLength} tokens, and the messages hold {characters} characters: " +
                "far more than fit. Please reduce the length of the messages.");
        }
        var (prompt, promptTokens) = assets.Chat.Render(request.Messages);
        var maxTokens = request.MaxTokens ?? Math.Min(options.Value.DefaultMaxTokens, Math.Max(1, contextLength - promptTokens));
        // In long: a client's max_tokens may be as large as int.MaxValue.
        var requested = (long)promptTokens + maxTokens;
        if (requested > contextLength)
        {
            throw ContextLengthExceeded(telemetry, request.Model,
                $"This model's maximum context length is {contextLength} tokens. However, you requested {requested} tokens " +
                $"({promptTokens} in the messages, {maxTokens} in the completion). Please reduce the length of the messages or completion.");
        }

        using var reservation = limiter.TryReserve(context.User, promptTokens + maxTokens, out var rejection)
            ?? throw RateLimited(context, telemetry, rejection!, request.Model);

        activity?.SetTag("gen_ai.request.max_tokens", maxTokens);
        activity?.SetTag("gen_ai.request.temperature", request.Temperature ?? 1.0);
        activity?.SetTag("gen_ai.request.top_p", request.TopP ?? 1.0);

        var settings = new GenerationSettings(maxTokens, request.Temperature ?? 1.0, request.TopP ?? 1.0, request.Stop, request.Seed);
        var id = $"chatcmpl-{Guid.NewGuid():N}";
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var completionTokens = 0;
        string? finishReason = null;
        double? firstTokenAt = null;

        try
        {
            if (request.Stream)
            {
                var writer = new ChatStreamWriter(context, id, created, request.Model, Fingerprint(options.Value), request.IncludeUsage);
                await using var deltas = generator.GenerateAsync(request.Model, prompt, settings, stream: true, context.RequestAborted)
                    .GetAsyncEnumerator(context.RequestAborted);
                // Nothing is sent before Triton has answered: a failure to start is still a plain HTTP error (404, 503),
                // and the opening chunk goes out in the same flush as the first token.
                var more = await deltas.MoveNextAsync();
                await writer.StartAsync();
                while (more)
                {
                    var delta = deltas.Current;
                    firstTokenAt ??= Stopwatch.GetElapsedTime(started).TotalSeconds;
                    completionTokens += delta.Tokens;
                    finishReason = delta.FinishReason ?? finishReason;
                    if (delta.Text.Length > 0)
                    {
                        await writer.WriteContentAsync(delta.Text);
                    }
                    more = await deltas.MoveNextAsync();
                }
                await writer.FinishAsync(finishReason ?? "stop", new Usage(promptTokens, completionTokens, promptTokens + completionTokens));
            }
            else
            {
                var text = new StringBuilder();
                await foreach (var delta in generator.GenerateAsync(request.Model, prompt, settings, stream: false, context.RequestAborted))
                {
                    firstTokenAt ??= Stopwatch.GetElapsedTime(started).TotalSeconds;
                    text.Append(delta.Text);
                    completionTokens += delta.Tokens;
                    finishReason = delta.FinishReason ?? finishReason;
                }
                var completion = new ChatCompletion(id, "chat.completion", created, request.Model,
                    [new ChatChoice(0, new ChatMessage("assistant", text.ToString()), finishReason ?? "stop", null)],
                    new Usage(promptTokens, completionTokens, promptTokens + completionTokens), Fingerprint(options.Value));
                context.Response.ContentType = "application/json";
                await JsonSerializer.SerializeAsync(context.Response.Body, completion, OpenAIJsonContext.Default.ChatCompletion, context.RequestAborted);
            }
        }
        catch (OpenAIException error) when (context.Response.HasStarted)
        {
            // The stream is under way: say what went wrong in the stream and end it.
            if (error.Status >= StatusCodes.Status500InternalServerError)
            {
                TrafficMiddleware.MarkFailed(context);
            }
            await ChatStreamWriter.WriteErrorAsync(context, error);
        }
        finally
        {
            // Tokens spent so far are spent, also when the client left mid-stream.
            reservation.Settle(promptTokens + completionTokens);
            Record(telemetry, activity, request.Model, started, firstTokenAt, promptTokens, completionTokens, finishReason);
        }
    }

    private static void Record(GatewayTelemetry telemetry, Activity? activity, string model, long started, double? firstTokenAt,
        int promptTokens, int completionTokens, string? finishReason)
    {
        var duration = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var tags = new TagList { { "gen_ai.operation.name", "chat" }, { "gen_ai.request.model", model } };
        telemetry.RequestDuration.Record(duration, tags);
        if (firstTokenAt is { } ttft)
        {
            telemetry.RecordTimeToFirstToken(ttft, tags);
            if (completionTokens > 1)
            {
                telemetry.TimePerOutputToken.Record((duration - ttft) / (completionTokens - 1), tags);
            }
        }
        telemetry.TokenUsage.Record(promptTokens, [.. tags, new("gen_ai.token.type", "input")]);
        telemetry.TokenUsage.Record(completionTokens, [.. tags, new("gen_ai.token.type", "output")]);

        activity?.SetTag("gen_ai.response.model", model);
        activity?.SetTag("gen_ai.usage.input_tokens", promptTokens);
        activity?.SetTag("gen_ai.usage.output_tokens", completionTokens);
        if (finishReason is not null)
        {
            activity?.SetTag("gen_ai.response.finish_reasons", new[] { finishReason });
        }
    }

    private static OpenAIException ContextLengthExceeded(GatewayTelemetry telemetry, string model, string message)
    {
        telemetry.Reject("context_length", model);
        return OpenAIException.InvalidRequest(message, "messages", "context_length_exceeded");
    }

    internal static OpenAIException RateLimited(HttpContext context, GatewayTelemetry telemetry, RateLimitRejection rejection, string model)
    {
        telemetry.Reject($"rate_limit_{rejection.Limit}", model);
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(rejection.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new OpenAIException(StatusCodes.Status429TooManyRequests, rejection.Message, rejection.Limit,
            null, rejection.Limit == "tokens" ? "rate_limit_exceeded_tokens" : "rate_limit_exceeded");
    }

    internal static string Fingerprint(GatewayOptions options) => $"polargrid-{options.Colo}";
}
