using Grpc.Core;
using PolarGrid.Gateway.Inference;
using PolarGrid.Gateway.OpenAI;

namespace PolarGrid.Tests.Gateway;

/// <summary>Triton's statuses as the gateway answers them, and a client's leaving never as the node's failure.</summary>
public sealed class UpstreamErrorsTests
{
    [Theory]
    [InlineData(StatusCode.Cancelled)]
    [InlineData(StatusCode.Unavailable)] // "Error reading next message. IOException: The request was aborted."
    [InlineData(StatusCode.Internal)]
    public void Once_the_client_has_left_any_upstream_failure_is_its_leaving(StatusCode status)
    {
        using var left = new CancellationTokenSource();
        left.Cancel();
        var mapped = UpstreamErrors.Map(new RpcException(new Status(status, "The request was aborted.")), "model", left.Token);
        Assert.IsType<OperationCanceledException>(mapped);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, 503)]
    [InlineData(StatusCode.DeadlineExceeded, 504)]
    [InlineData(StatusCode.Internal, 502)]
    [InlineData(StatusCode.InvalidArgument, 400)]
    [InlineData(StatusCode.NotFound, 404)]
    public void While_the_client_waits_statuses_map_to_their_http_answers(StatusCode status, int http)
    {
        var mapped = UpstreamErrors.Map(new RpcException(new Status(status, "detail")), "model", CancellationToken.None);
        Assert.Equal(http, Assert.IsType<OpenAIException>(mapped).Status);
    }
}
