using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Inference;
using PolarGrid.InferenceServer.Models;
using PolarGrid.InferenceServer.Repository;
using PolarGrid.InferenceServer.Telemetry;

namespace PolarGrid.InferenceServer.Grpc;

/// <summary>Triton's <c>inference.GRPCInferenceService</c>, served by PolarGrid's CPU inference server.</summary>
public sealed class InferenceService(ServerState state, ModelManager models, ILogger<InferenceService> logger)
    : GRPCInferenceService.GRPCInferenceServiceBase
{
    public static readonly ActivitySource ActivitySource = new("PolarGrid.InferenceServer");

    /// <summary>Request header that makes ModelStreamInfer end the stream with a gRPC status on the first error.</summary>
    public const string GrpcErrorHeader = "triton_grpc_error";

    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = state.IsLive });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = state.IsReady });

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerMetadataResponse
        {
            Name = state.Options.Id,
            Version = ServerState.Version,
            Extensions = { ServerState.Extensions },
        });

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
    {
        try
        {
            using var lease = models.Acquire(request.Name, request.Version);
            return Task.FromResult(new ModelReadyResponse { Ready = true });
        }
        catch (InferenceException)
        {
            return Task.FromResult(new ModelReadyResponse { Ready = false });
        }
    }

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context) =>
        Guard(() =>
        {
            using var lease = models.Acquire(request.Name, request.Version);
            var model = lease.Model;
            var versions = models.Index(readyOnly: true).Where(entry => entry.Name == model.Name).Select(entry => entry.Version);
            return new ModelMetadataResponse
            {
                Name = model.Name,
                Versions = { versions },
                Platform = model.Config.Platform.Length > 0 ? model.Config.Platform : model.Config.Backend,
                Inputs = { model.Inputs },
                Outputs = { model.Outputs },
            };
        });

    public override Task<ModelConfigResponse> ModelConfig(ModelConfigRequest request, ServerCallContext context) =>
        Guard(() =>
        {
            using var lease = models.Acquire(request.Name, request.Version);
            return new ModelConfigResponse { Config = lease.Model.Config };
        });

    public override Task<ModelStatisticsResponse> ModelStatistics(ModelStatisticsRequest request, ServerCallContext context) =>
        Guard(() =>
        {
            var selected = models.ServedModels
                .Where(model => request.Name.Length == 0 || model.Name == request.Name)
                .Where(model => request.Version.Length == 0 || model.Version.ToString(CultureInfo.InvariantCulture) == request.Version)
                .OrderBy(model => model.Name, StringComparer.Ordinal).ThenBy(model => model.Version)
                .ToList();
            if (request.Name.Length > 0 && selected.Count == 0)
            {
                throw InferenceException.NotFound($"requested model '{request.Name}' is not loaded");
            }
            return new ModelStatisticsResponse { ModelStats = { selected.Select(model => model.Statistics.ToProto()) } };
        });

    public override Task<RepositoryIndexResponse> RepositoryIndex(RepositoryIndexRequest request, ServerCallContext context) =>
        Guard(() =>
        {
            RequireDefaultRepository(request.RepositoryName);
            return new RepositoryIndexResponse { Models = { models.Index(request.Ready) } };
        });

    public override async Task<RepositoryModelLoadResponse> RepositoryModelLoad(RepositoryModelLoadRequest request, ServerCallContext context)
    {
        try
        {
            RequireDefaultRepository(request.RepositoryName);
            await models.LoadAsync(request.ModelName, request.Parameters, context.CancellationToken);
            return new RepositoryModelLoadResponse();
        }
        catch (InferenceException error)
        {
            throw error.ToRpcException();
        }
    }

    public override Task<RepositoryModelUnloadResponse> RepositoryModelUnload(RepositoryModelUnloadRequest request, ServerCallContext context) =>
        Guard(() =>
        {
            RequireDefaultRepository(request.RepositoryName);
            foreach (var (key, value) in request.Parameters)
            {
                if (key != "unload_dependents" || value.ParameterChoiceCase != ModelRepositoryParameter.ParameterChoiceOneofCase.BoolParam)
                {
                    throw InferenceException.InvalidArgument($"unrecognized unload parameter '{key}'");
                }
            }
            models.Unload(request.ModelName);
            return new RepositoryModelUnloadResponse();
        });

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        try
        {
            using var lease = models.Acquire(request.ModelName, request.ModelVersion);
            if (lease.Model.IsDecoupled)
            {
                throw InferenceException.Unsupported("ModelInfer RPC doesn't support models with decoupled transaction policy");
            }
            await foreach (var result in Execute(lease.Model, request, context.CancellationToken))
            {
                return result.Response;
            }
            throw InferenceException.Internal($"model '{request.ModelName}' produced no response");
        }
        catch (InferenceException error)
        {
            throw error.ToRpcException();
        }
    }

    /// <summary>
    /// Many requests share one stream; each runs concurrently and its responses carry its <c>id</c>. An error for one
    /// request is a message with <c>error_message</c> and the stream goes on, unless the client opened the stream with
    /// the <c>triton_grpc_error: true</c> header, which ends the stream with the error's status.
    /// </summary>
    public override async Task ModelStreamInfer(IAsyncStreamReader<ModelInferRequest> requestStream,
        IServerStreamWriter<ModelStreamInferResponse> responseStream, ServerCallContext context)
    {
        var endOnError = string.Equals(context.RequestHeaders.GetValue(GrpcErrorHeader), "true", StringComparison.OrdinalIgnoreCase);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        // gRPC allows one write at a time; requests multiplexed on this stream take turns.
        using var writeLock = new SemaphoreSlim(1, 1);
        InferenceException? fatal = null;

        async Task SendAsync(ModelStreamInferResponse response)
        {
            await writeLock.WaitAsync(stop.Token);
            try
            {
                await responseStream.WriteAsync(response, stop.Token);
            }
            finally
            {
                writeLock.Release();
            }
        }

        async Task RunAsync(ModelInferRequest request)
        {
            try
            {
                using var lease = models.Acquire(request.ModelName, request.ModelVersion);
                await foreach (var result in Execute(lease.Model, request, stop.Token))
                {
                    result.Response.Parameters[RequestParameters.FinalResponse] = new InferParameter { BoolParam = result.IsFinal };
                    await SendAsync(new ModelStreamInferResponse { InferResponse = result.Response });
                }
            }
            catch (InferenceException error) when (endOnError)
            {
                Interlocked.CompareExchange(ref fatal, error, null);
                await stop.CancelAsync();
            }
            catch (InferenceException error)
            {
                await SendAsync(new ModelStreamInferResponse
                {
                    ErrorMessage = error.Message,
                    InferResponse = new ModelInferResponse { ModelName = request.ModelName, ModelVersion = request.ModelVersion, Id = request.Id },
                });
            }
        }

        var running = new List<Task>();
        try
        {
            await foreach (var request in requestStream.ReadAllAsync(stop.Token))
            {
                running.Add(RunAsync(request));
            }
            await Task.WhenAll(running);
        }
        catch (OperationCanceledException) when (fatal is not null)
        {
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running.Select(task => task.ContinueWith(static _ => { }, TaskScheduler.Default)));
        }

        if (fatal is not null)
        {
            throw fatal.ToRpcException();
        }
    }

    /// <summary>Runs one request on one model version, with its span and Triton's request checks.</summary>
    private async IAsyncEnumerable<InferResult> Execute(ServedModel model, ModelInferRequest request,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = ActivitySource.StartActivity($"infer {model.Name}");
        activity?.SetTag("triton.model.name", model.Name);
        activity?.SetTag("triton.model.version", model.Version);
        activity?.SetTag("triton.request.id", request.Id);

        try
        {
            RequestParameters.Validate(request);
        }
        catch (InferenceException)
        {
            model.Statistics.RecordFailure(FailureReason.Rejected, TimeSpan.Zero);
            throw;
        }
        var stream = model.InferAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
        // Counted once: by the catch that sees a failure, or here when the caller walks away before the final response.
        var accounted = false;
        try
        {
            while (true)
            {
                InferResult result;
                try
                {
                    if (!await stream.MoveNextAsync())
                    {
                        accounted = true;
                        yield break;
                    }
                    result = stream.Current;
                }
                catch (InferenceException error)
                {
                    accounted = true;
                    activity?.SetStatus(ActivityStatusCode.Error, error.Message);
                    model.Statistics.RecordFailure(
                        error.Code == StatusCode.InvalidArgument ? FailureReason.Rejected : FailureReason.Backend,
                        Stopwatch.GetElapsedTime(started));
                    throw;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    accounted = true;
                    activity?.SetStatus(ActivityStatusCode.Error, "cancelled");
                    model.Statistics.RecordFailure(FailureReason.Canceled, Stopwatch.GetElapsedTime(started));
                    throw new InferenceException(StatusCode.Cancelled, "Request was cancelled");
                }
                accounted |= result.IsFinal;
                yield return result;
            }
        }
        finally
        {
            if (!accounted)
            {
                activity?.SetStatus(ActivityStatusCode.Error, "cancelled");
                model.Statistics.RecordFailure(FailureReason.Canceled, Stopwatch.GetElapsedTime(started));
            }
            await stream.DisposeAsync();
        }
    }

    private static void RequireDefaultRepository(string repository)
    {
        if (repository.Length > 0)
        {
            throw InferenceException.Unsupported("'repository_name' specification is not supported");
        }
    }

    private Task<T> Guard<T>(Func<T> action)
    {
        try
        {
            return Task.FromResult(action());
        }
        catch (InferenceException error)
        {
            logger.LogDebug("Request refused: {Reason}", error.Message);
            throw error.ToRpcException();
        }
    }
}
