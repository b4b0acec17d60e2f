using Grpc.Core;
using Inference;

namespace PolarGrid.InferenceServer.Grpc;

/// <summary>Triton's <c>inference.GRPCInferenceService</c>, served by PolarGrid's CPU inference server.</summary>
public sealed class InferenceService(ServerState state) : GRPCInferenceService.GRPCInferenceServiceBase
{
    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = state.IsLive });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = state.IsReady });

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerMetadataResponse
        {
            Name = state.Options.Id,
            Version = ServerState.Version,
        });
}
