using Grpc.Core;

namespace PolarGrid.InferenceServer.Models;

/// <summary>
/// An error with the gRPC status Triton would answer with (its <c>grpc_utils.cc</c> mapping): INVALID_ARGUMENT for
/// bad requests, NOT_FOUND for unknown models, UNAVAILABLE for models that are not ready, UNIMPLEMENTED for what a
/// model does not support.
/// </summary>
public sealed class InferenceException(StatusCode code, string message) : Exception(message)
{
    public StatusCode Code { get; } = code;

    public RpcException ToRpcException() => new(new Status(Code, Message));

    public static InferenceException InvalidArgument(string message) => new(StatusCode.InvalidArgument, message);
    public static InferenceException NotFound(string message) => new(StatusCode.NotFound, message);
    public static InferenceException Unavailable(string message) => new(StatusCode.Unavailable, message);
    public static InferenceException Unsupported(string message) => new(StatusCode.Unimplemented, message);
    public static InferenceException Internal(string message) => new(StatusCode.Internal, message);
}
