using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PolarGrid.Client.Health;
using PolarGrid.Client.LoadBalancing;
using PolarGrid.Client.Nodes;
using PolarGrid.Client.Telemetry;
using Polly;
using Polly.Hedging;

namespace PolarGrid.Client.Routing;

/// <summary>
/// Sends one request as up to <c>1 + RetryCount</c> attempts, each on a node not tried yet, using Polly's hedging
/// strategy for both jobs: without a deadline for the model it only launches the next attempt when one fails before
/// its first byte (a retry); with one it also launches it when headers are late (a hedge), keeps the first good
/// answer and cancels the rest. Attempts end at the response headers, so nothing is retried once a body — a stream —
/// has begun: from there the caller owns the response.
/// </summary>
internal sealed class AttemptPipeline
{
    private static readonly ResiliencePropertyKey<RequestAttempts> AttemptsKey = new("PolarGrid.Attempts");
    private static readonly ResiliencePropertyKey<RouterNode> NodeKey = new("PolarGrid.Node");
    private static readonly ResiliencePropertyKey<AttemptReason> ReasonKey = new("PolarGrid.AttemptReason");

    private readonly NodeSelector _selector;
    private readonly NodeHealthPolicy _health;
    private readonly RouterMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public AttemptPipeline(
        NodeSelector selector,
        NodeHealthPolicy health,
        RouterMetrics metrics,
        IOptions<RouterOptions> options,
        TimeProvider time,
        ILogger<AttemptPipeline> logger)
    {
        _selector = selector;
        _health = health;
        _metrics = metrics;
        _time = time;
        _logger = logger;

        var settings = options.Value;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (settings.RetryCount > 0)
        {
            builder.AddHedging(new HedgingStrategyOptions<HttpResponseMessage>
            {
                MaxHedgedAttempts = settings.RetryCount,
                ShouldHandle = static args => ValueTask.FromResult(IsFailureBeforeFirstByte(args.Outcome)),
                // Infinite: the next attempt waits for a failure (retry only). A deadline: it also goes when headers are late.
                DelayGenerator = args => ValueTask.FromResult(
                    settings.Hedging.DeadlineFor(args.Context.Properties.GetValue(AttemptsKey, null!).Request.Model) ?? Timeout.InfiniteTimeSpan),
                ActionGenerator = NextAttempt,
            });
        }
        _pipeline = builder.Build();
    }

    public async Task<HttpResponseMessage> SendAsync(
        RoutedRequest request,
        Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send,
        CancellationToken cancellationToken)
    {
        var attempts = new RequestAttempts(request);
        using var activity = RouterTelemetry.Source.StartActivity("polargrid.route");
        activity?.SetTag(RouterTelemetry.ModelTag, request.Model);

        var first = _selector.Select(request.Model, attempts.Tried);
        if (first is null)
        {
            var error = new NoNodeAvailableException(request.Model, $"No PolarGrid node can take the request: {_selector.Explain(request.Model)}.");
            activity?.SetStatus(ActivityStatusCode.Error, error.Message);
            throw error;
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            context.Properties.Set(AttemptsKey, attempts);
            context.Properties.Set(NodeKey, first);
            context.Properties.Set(ReasonKey, attempts.Add(first));
            var outcome = await _pipeline.ExecuteOutcomeAsync(
                static (attemptContext, state) => state.Pipeline.AttemptAsync(attemptContext, state.Send),
                context,
                (Pipeline: this, Send: send));

            // The hedging strategy copies the winning attempt's properties back onto the request's context.
            activity?.SetTag(RouterTelemetry.NodeTag, context.Properties.GetValue(NodeKey, first).Colo);
            activity?.SetTag(RouterTelemetry.AttemptsTag, attempts.Count);
            if (outcome.Exception is { } failure)
            {
                activity?.SetStatus(ActivityStatusCode.Error, failure.Message);
            }
            else
            {
                activity?.SetTag(RouterTelemetry.StatusCodeTag, (int)outcome.Result!.StatusCode);
            }
            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Chooses the node of the next attempt when the strategy wants one; null ends the attempts (no node left).</summary>
    private Func<ValueTask<Outcome<HttpResponseMessage>>>? NextAttempt(HedgingActionGeneratorArguments<HttpResponseMessage> args)
    {
        var attempts = args.PrimaryContext.Properties.GetValue(AttemptsKey, null!);
        var model = attempts.Request.Model;
        var node = _selector.Select(model, attempts.Tried);
        if (node is null)
        {
            return null;
        }
        var reason = attempts.Add(node);
        args.ActionContext.Properties.Set(NodeKey, node);
        args.ActionContext.Properties.Set(ReasonKey, reason);
        if (reason == AttemptReason.Retry)
        {
            _metrics.Retry(model);
        }
        else
        {
            _metrics.Hedge(model);
        }
        RouterLog.AttemptOnAnotherNode(_logger, reason.ToString(), model, attempts.Count, node.Colo);
        return () => args.Callback(args.ActionContext);
    }

    /// <summary>One attempt: to the node chosen for it, up to the response headers.</summary>
    private async ValueTask<Outcome<HttpResponseMessage>> AttemptAsync(
        ResilienceContext context,
        Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send)
    {
        var attempts = context.Properties.GetValue(AttemptsKey, null!);
        var node = context.Properties.GetValue(NodeKey, null!);
        var reason = context.Properties.GetValue(ReasonKey, AttemptReason.Primary);
        var model = attempts.Request.Model;

        using var activity = RouterTelemetry.Source.StartActivity("polargrid.attempt");
        activity?.SetTag(RouterTelemetry.NodeTag, node.Colo);
        activity?.SetTag(RouterTelemetry.ModelTag, model);
        activity?.SetTag(RouterTelemetry.AttemptReasonTag, reason.ToString().ToLowerInvariant());

        var message = attempts.Request.CreateFor(node.Url);
        node.BeginRequest();
        var started = _time.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await send(message, context.CancellationToken);
        }
        catch (OperationCanceledException error) when (context.CancellationToken.IsCancellationRequested)
        {
            // The caller gave up, or another attempt won the race: nothing to hold against this node.
            node.EndRequest();
            _metrics.Attempt(node.Colo, model, "canceled");
            activity?.SetTag(RouterTelemetry.OutcomeTag, "canceled");
            return Outcome.FromException<HttpResponseMessage>(error);
        }
        catch (Exception error) when (error is HttpRequestException or OperationCanceledException)
        {
            // A cancellation nobody asked for is a timeout below us (ConnectTimeout): the node's failure.
            Failed(node, attempts, model, activity, error.Message);
            return Outcome.FromException<HttpResponseMessage>(
                error as HttpRequestException ?? new HttpRequestException(HttpRequestError.ConnectionError, $"Node {node.Colo} timed out.", error));
        }

        activity?.SetTag(RouterTelemetry.StatusCodeTag, (int)response.StatusCode);
        if (IsFailureStatus(response.StatusCode))
        {
            Failed(node, attempts, model, activity, $"status {(int)response.StatusCode}");
            return Outcome.FromResult(response);
        }

        var elapsed = _time.GetElapsedTime(started);
        _health.FirstByteReceived(node, elapsed);
        _metrics.TimeToFirstByte(node.Colo, model, elapsed);
        _metrics.Attempt(node.Colo, model, "success");
        activity?.SetTag(RouterTelemetry.OutcomeTag, "success");
        response.Content = new TrackedContent(response.Content, failed =>
        {
            node.EndRequest();
            _health.RequestCompleted(node, failed);
        });
        return Outcome.FromResult(response);
    }

    private void Failed(RouterNode node, RequestAttempts attempts, string? model, Activity? activity, string failure)
    {
        node.EndRequest();
        attempts.Failed();
        _health.RequestCompleted(node, failed: true);
        _metrics.Attempt(node.Colo, model, "error");
        activity?.SetTag(RouterTelemetry.OutcomeTag, "error");
        activity?.SetStatus(ActivityStatusCode.Error, failure);
        RouterLog.AttemptFailed(_logger, node.Colo, failure);
    }

    private static bool IsFailureBeforeFirstByte(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: NoNodeAvailableException } => false,
        { Exception: HttpRequestException } => true,
        { Result: { } response } => IsFailureStatus(response.StatusCode),
        _ => false,
    };

    /// <summary>What another node may well answer better: server errors and "too many requests" (limits are per node).</summary>
    private static bool IsFailureStatus(HttpStatusCode status) =>
        (int)status >= 500 || status == HttpStatusCode.TooManyRequests;
}
