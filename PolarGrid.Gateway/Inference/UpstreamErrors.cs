using Grpc.Core;
using PolarGrid.Gateway.OpenAI;

namespace PolarGrid.Gateway.Inference;

/// <summary>Triton's gRPC statuses as the OpenAI errors a client of the gateway acts on.</summary>
public static class UpstreamErrors
{
    public static Exception Map(RpcException error, string model, CancellationToken requestAborted) => error.StatusCode switch
    {
        // The client left: whatever the call then failed with (Cancelled, or Unavailable when the abort tore the
        // stream down mid-read), it is the client's leaving, not the node's failure.
        _ when requestAborted.IsCancellationRequested => new OperationCanceledException(requestAborted),
        StatusCode.NotFound => OpenAIException.ModelNotFound(model),
        StatusCode.Unavailable when error.Status.Detail.Contains(model, StringComparison.Ordinal) =>
            OpenAIException.ModelNotReady(model, "not loaded"),
        StatusCode.Unavailable => OpenAIException.UpstreamUnavailable(error.Status.Detail),
        StatusCode.DeadlineExceeded => OpenAIException.UpstreamTimeout(),
        StatusCode.InvalidArgument => OpenAIException.InvalidRequest(error.Status.Detail),
        StatusCode.ResourceExhausted => new OpenAIException(StatusCodes.Status503ServiceUnavailable,
            "The inference server is overloaded; try again shortly.", "server_error", null, "upstream_overloaded"),
        _ => new OpenAIException(StatusCodes.Status502BadGateway, $"The inference server failed: {error.Status.Detail}", "server_error", null, "upstream_error"),
    };
}
