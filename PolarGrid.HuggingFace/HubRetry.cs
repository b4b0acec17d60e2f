using Microsoft.Extensions.Logging;

namespace PolarGrid.HuggingFace;

/// <summary>
/// A bounded retry loop with exponential backoff, for <see cref="HubTransientException"/> only. Chosen over a Polly
/// pipeline because a download's retry is not a resend: each attempt resumes from what is already on disk, and a
/// fresh signed CDN link comes from re-resolving, so the loop wraps the whole attempt rather than one HTTP call.
/// </summary>
internal sealed class HubRetry(HubClientOptions options, TimeProvider time, ILogger logger)
{
    public async Task<T> RunAsync<T>(HubTarget target, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        for (var attempts = 1; ; attempts++)
        {
            try
            {
                return await attempt(cancellationToken);
            }
            catch (HubTransientException failure)
            {
                if (attempts >= options.MaxAttempts)
                {
                    throw failure.GiveUp(target, attempts);
                }

                var delay = DelayAfter(attempts, failure.RetryAfter);
                HubLog.Retrying(logger, attempts, options.MaxAttempts, target.Describe(), failure.Message, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    public Task RunAsync(HubTarget target, Func<CancellationToken, Task> attempt, CancellationToken cancellationToken) =>
        RunAsync(target, async token =>
        {
            await attempt(token);
            return true;
        }, cancellationToken);

    /// <summary>RetryDelay doubled per failure, ±20 % jitter so a fleet does not retry in step, at least what the server asked for.</summary>
    public TimeSpan DelayAfter(int failedAttempts, TimeSpan? serverHint)
    {
        var exponential = options.RetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failedAttempts - 1, 16));
        var jittered = TimeSpan.FromMilliseconds(exponential * (0.8 + (0.4 * Random.Shared.NextDouble())));
        var delay = serverHint is { } hint && hint > jittered ? hint : jittered;
        return delay > options.MaxRetryDelay ? options.MaxRetryDelay : delay;
    }
}
