using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Options;
using PolarGrid.Contracts;

namespace PolarGrid.Sidecar.Triton;

/// <summary>One model's state in Triton's repository index, as Triton spells it (empty: never loaded).</summary>
public sealed record ModelStatus(string State, string Reason)
{
    public const string Ready = "READY";
    public const string Loading = "LOADING";
    public const string Unloading = "UNLOADING";

    public bool IsUp => State is Ready or Loading;
}

/// <summary>The outcome of a load: READY, or why not in Triton's own words.</summary>
public sealed record LoadOutcome(bool Ready, string Reason)
{
    public static readonly LoadOutcome Success = new(true, "");

    public static LoadOutcome Failed(string reason) => new(false, reason);
}

/// <summary>
/// Explicit model control over Triton's repository API, waiting on the states Triton reports rather than trusting
/// that a call's return means the model is where it should be.
/// </summary>
public sealed class TritonModelControl(TritonClient triton, IOptions<SidecarOptions> options, TimeProvider time)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public async Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await triton.IsLiveAsync(cancellationToken);
        }
        catch (RpcException)
        {
            return false;
        }
    }

    /// <summary>Each model in the index with its liveliest state (a model has one index entry per version).</summary>
    public async Task<IReadOnlyDictionary<string, ModelStatus>> ModelStatesAsync(CancellationToken cancellationToken)
    {
        var index = await Call(() => triton.GetRepositoryIndexAsync(readyOnly: false, cancellationToken));
        return index
            .GroupBy(entry => entry.Name, StringComparer.Ordinal)
            .ToDictionary(
                group => group.Key,
                group => group
                    .Select(entry => new ModelStatus(entry.State, entry.Reason))
                    .OrderBy(status => status.State switch { ModelStatus.Ready => 0, ModelStatus.Loading => 1, ModelStatus.Unloading => 2, _ => 3 })
                    .First(),
                StringComparer.Ordinal);
    }

    /// <summary>
    /// Loads (or re-loads) <paramref name="model"/> and waits until <paramref name="version"/> (any, when null) is
    /// READY, both within <see cref="SidecarOptions.LoadTimeout"/>.
    /// </summary>
    /// <exception cref="TritonUnreachableException">Triton did not answer; nothing is known about the model.</exception>
    public async Task<LoadOutcome> LoadAsync(string model, long? version, CancellationToken cancellationToken)
    {
        var timeout = options.Value.LoadTimeout;
        var deadline = time.GetUtcNow() + timeout;
        try
        {
            await triton.LoadModelAsync(model, timeout, cancellationToken);
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.DeadlineExceeded)
        {
            return LoadOutcome.Failed($"Triton did not finish loading '{model}' within {timeout} (Sidecar:LoadTimeout).");
        }
        catch (RpcException error) when (!TritonUnreachableException.Describes(error))
        {
            // Triton's reason is the most useful thing the gateway can show; the index repeats it for a first load.
            return LoadOutcome.Failed(error.Status.Detail is { Length: > 0 } detail ? detail : await IndexReasonAsync(model, cancellationToken));
        }
        catch (RpcException error)
        {
            throw new TritonUnreachableException(error);
        }

        // Triton answers a load once it is done, but READY (of the version installed) is what the result promises.
        var versionText = version?.ToString(CultureInfo.InvariantCulture) ?? "";
        while (true)
        {
            if (await IsReadyAsync(model, versionText, cancellationToken))
            {
                return LoadOutcome.Success;
            }
            if (time.GetUtcNow() >= deadline)
            {
                var reason = await IndexReasonAsync(model, cancellationToken);
                return LoadOutcome.Failed($"'{model}' version {versionText} did not become READY within {timeout}{(reason.Length > 0 ? ": " + reason : ".")}");
            }
            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }

    /// <summary>
    /// Unloads <paramref name="model"/> and waits until no version of it is READY, LOADING or UNLOADING, so its files
    /// can go. Returns null on success, else why not.
    /// </summary>
    /// <exception cref="TritonUnreachableException">Triton did not answer.</exception>
    public async Task<string?> UnloadAsync(string model, CancellationToken cancellationToken)
    {
        try
        {
            await triton.UnloadModelAsync(model, cancellationToken);
        }
        catch (RpcException error) when (!TritonUnreachableException.Describes(error))
        {
            return error.Status.Detail;
        }
        catch (RpcException error)
        {
            throw new TritonUnreachableException(error);
        }

        // Triton answers an unload at once; the model drains through UNLOADING.
        var timeout = options.Value.UnloadTimeout;
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            var states = await ModelStatesAsync(cancellationToken);
            if (!states.TryGetValue(model, out var status) || status.State is not (ModelStatus.Ready or ModelStatus.Loading or ModelStatus.Unloading))
            {
                return null;
            }
            if (time.GetUtcNow() >= deadline)
            {
                return $"'{model}' is still {status.State} {timeout} after it was unloaded (Sidecar:UnloadTimeout).";
            }
            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }

    private async Task<bool> IsReadyAsync(string model, string version, CancellationToken cancellationToken)
    {
        try
        {
            return await triton.IsModelReadyAsync(model, version, cancellationToken);
        }
        catch (RpcException error) when (!TritonUnreachableException.Describes(error))
        {
            return false; // Triton answers an unknown model or version with an error: not ready.
        }
        catch (RpcException error)
        {
            throw new TritonUnreachableException(error);
        }
    }

    private async Task<string> IndexReasonAsync(string model, CancellationToken cancellationToken)
    {
        var states = await ModelStatesAsync(cancellationToken);
        return states.TryGetValue(model, out var status) && status.Reason.Length > 0
            ? status.Reason
            : $"Triton did not load '{model}' and gave no reason.";
    }

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException error) when (TritonUnreachableException.Describes(error) || error.StatusCode == StatusCode.DeadlineExceeded)
        {
            throw new TritonUnreachableException(error);
        }
    }
}
