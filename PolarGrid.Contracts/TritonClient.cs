using Grpc.Core;
using Inference;

namespace PolarGrid.Contracts;

/// <summary>
/// A small typed face over Triton's gRPC service for the calls the gateway and sidecar make. Streaming inference
/// goes through <see cref="Raw"/>, since callers own the stream's lifetime.
/// </summary>
public sealed class TritonClient(GRPCInferenceService.GRPCInferenceServiceClient raw, TimeSpan controlCallTimeout)
{
    public GRPCInferenceService.GRPCInferenceServiceClient Raw { get; } = raw;

    public async Task<bool> IsLiveAsync(CancellationToken cancellationToken = default) =>
        (await Raw.ServerLiveAsync(new ServerLiveRequest(), ControlCall(cancellationToken))).Live;

    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken = default) =>
        (await Raw.ServerReadyAsync(new ServerReadyRequest(), ControlCall(cancellationToken))).Ready;

    public async Task<ServerMetadataResponse> GetServerMetadataAsync(CancellationToken cancellationToken = default) =>
        await Raw.ServerMetadataAsync(new ServerMetadataRequest(), ControlCall(cancellationToken));

    public async Task<bool> IsModelReadyAsync(string model, string version = "", CancellationToken cancellationToken = default) =>
        (await Raw.ModelReadyAsync(new ModelReadyRequest { Name = model, Version = version }, ControlCall(cancellationToken))).Ready;

    public async Task<IReadOnlyList<RepositoryIndexResponse.Types.ModelIndex>> GetRepositoryIndexAsync(
        bool readyOnly = false, CancellationToken cancellationToken = default) =>
        (await Raw.RepositoryIndexAsync(new RepositoryIndexRequest { Ready = readyOnly }, ControlCall(cancellationToken))).Models;

    /// <summary>Loads (or re-loads) a model. Triton answers only after the load finished or failed.</summary>
    public async Task LoadModelAsync(string model, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        await Raw.RepositoryModelLoadAsync(
            new RepositoryModelLoadRequest { ModelName = model },
            new CallOptions(deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken));

    /// <summary>Asks Triton to unload a model; it answers at once and the model passes through UNLOADING.</summary>
    public async Task UnloadModelAsync(string model, CancellationToken cancellationToken = default) =>
        await Raw.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = model }, ControlCall(cancellationToken));

    private CallOptions ControlCall(CancellationToken cancellationToken) =>
        new(deadline: DateTime.UtcNow + controlCallTimeout, cancellationToken: cancellationToken);
}
