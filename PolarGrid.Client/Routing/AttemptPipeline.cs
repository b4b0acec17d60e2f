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
/// Sends one request as up to <c>1 + RetryCount</c> attempts, each on a node not tried yet. A model with a
/// time-to-first-token deadline goes through Polly's hedging strategy: the next attempt starts when one fails before
/// its first byte (a retry) or when its headers are late (a hedge), the first good answer is kept and the rest are
/// cancelled. Without a deadline only retries can happen, one attempt after another, so those requests take a plain
/// loop instead: the same attempts, without the hedging machinery's tasks and thread hops on every request (most of
/// what the router added to a request's latency). Attempts end at the response headers, so nothing is retried once
/// a body — a stream — has begun: from there the caller owns the response.
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
    private readonly RouterOptions _options;
    private readonly ResiliencePipeline<HttpResponseMessage> _hedging;

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

        var settings = _options = options.Value;
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
                ActionGenerator = NextHedgedAttempt,
            });
        }
        _hedging = builder.Build();
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

        var (outcome, node) = _options.RetryCount > 0 && _options.Hedging.DeadlineFor(request.Model) is not null
            ? await SendHedgedAsync(attempts, first, send, cancellationToken)
            : await SendInTurnAsync(attempts, first, send, cancellationToken);

        activity?.SetTag(RouterTelemetry.NodeTag, node.Colo);
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

    /// <summary>Retries only: the next attempt, on another node, once one has failed before its first byte.</summary>
    private async Task<(Outcome<HttpResponseMessage> Outcome, RouterNode Node)> SendInTurnAsync(
        RequestAttempts attempts,
        RouterNode node,
        Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send,
        CancellationToken cancellationToken)
    {
        var reason = attempts.Add(node);
        while (true)
        {
            var outcome = await AttemptAsync(attempts, node, reason, send, cancellationToken);
            if (attempts.Count > _options.RetryCount || !IsFailureBeforeFirstByte(outcome) || NextNode(attempts) is not { } next)
            {
                // The last failure is the caller's to see (the 500 itself, or the exception), as with the hedging path.
                return (outcome, node);
            }
            outcome.Result?.Dispose();
            (node, reason) = next;
        }
    }

    /// <summary>Retries and hedges through Polly; the hedging strategy copies the winner's properties back onto the context.</summary>
    private async Task<(Outcome<HttpResponseMessage> Outcome, RouterNode Node)> SendHedgedAsync(
        RequestAttempts attempts,
        RouterNode first,
        Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send,
        CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            context.Properties.Set(AttemptsKey, attempts);
            context.Properties.Set(NodeKey, first);
            context.Properties.Set(ReasonKey, attempts.Add(first));
            var outcome = await _hedging.ExecuteOutcomeAsync(
                static (attemptContext, state) => state.Pipeline.AttemptAsync(
                    attemptContext.Properties.GetValue(AttemptsKey, null!),
                    attemptContext.Properties.GetValue(NodeKey, null!),
                    attemptContext.Properties.GetValue(ReasonKey, AttemptReason.Primary),
                    state.Send,
                    attemptContext.CancellationToken),
                context,
                (Pipeline: this, Send: send));
            return (outcome, context.Properties.GetValue(NodeKey, first));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Chooses the node of the next attempt when the strategy wants one; null ends the attempts (no node left).</summary>
    private Func<ValueTask<Outcome<HttpResponseMessage>>>? NextHedgedAttempt(HedgingActionGeneratorArguments<HttpResponseMessage> args)
    {
        if (NextNode(args.PrimaryContext.Properties.GetValue(AttemptsKey, null!)) is not var (node, reason))
        {
            return null;
        }
        args.ActionContext.Properties.Set(NodeKey, node);
        args.ActionContext.Properties.Set(ReasonKey, reason);
        return () => args.Callback(args.ActionContext);
    }

    /// <summary>The node of the next attempt and why it is sent (counted and logged); null when no untried node is left.</summary>
    private (RouterNode Node, AttemptReason Reason)? NextNode(RequestAttempts attempts)
    {
        var model = attempts.Request.Model;
        var node = _selector.Select(model, attempts.Tried);
        if (node is null)
        {
            return null;
        }
        var reason = attempts.Add(node);
        if (reason == AttemptReason.Retry)
        {
            _metrics.Retry(model);
        }
        else
        {
            _metrics.Hedge(model);
        }
        RouterLog.AttemptOnAnotherNode(_logger, reason.ToString(), model, attempts.Count, node.Colo);
        return (node, reason);
    }

    /// <summary>One attempt: to the node chosen for it, up to the response headers.</summary>
    private async ValueTask<Outcome<HttpResponseMessage>> AttemptAsync(
        RequestAttempts attempts,
        RouterNode node,
        AttemptReason reason,
        Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send,
        CancellationToken cancellationToken)
    {
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
            response = await send(message, cancellationToken);
        }
        catch (OperationCanceledException error) when (cancellationToken.IsCancellationRequested)
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
