using Grpc.Core;

namespace PolarGrid.Sidecar.Triton;

/// <summary>
/// Triton did not answer at all (down, restarting, connection lost mid-call). Nothing is known about the model, so
/// the package is not failed: it is undone and tried again once Triton is back.
/// </summary>
public sealed class TritonUnreachableException : Exception
{
    public TritonUnreachableException(RpcException error)
        : base($"Triton is unreachable: {error.Status.StatusCode} {error.Status.Detail}", error)
    {
    }

    public TritonUnreachableException(string message)
        : base(message)
    {
    }

    /// <summary>
    /// Grpc.Net.Client reports a transport failure with the exception that caused it; a status Triton itself sent
    /// (even UNAVAILABLE) carries none.
    /// </summary>
    public static bool Describes(RpcException error) =>
        error.Status.DebugException is not null && error.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown;
}
