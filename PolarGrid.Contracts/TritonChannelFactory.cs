using System.Net;
using Grpc.Net.Client;

namespace PolarGrid.Contracts;

/// <summary>
/// Builds the one long-lived channel a process keeps to its Triton. Deliberately not an IHttpClientFactory
/// client: the standard resilience handler's retries and total timeout must never wrap a token stream.
/// </summary>
public static class TritonChannelFactory
{
    public static GrpcChannel Create(TritonClientOptions options)
    {
        var endpoint = options.Endpoint
            ?? throw new InvalidOperationException(
                $"No Triton endpoint is configured: set {TritonClientOptions.SectionName}:Endpoint.");

        var handler = new SocketsHttpHandler
        {
            // Many concurrent streams to one server: let the handler open more HTTP/2 connections than one
            // when the server's stream limit is reached instead of queueing requests behind it.
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };

        return GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            HttpHandler = handler,
            HttpVersion = HttpVersion.Version20,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            MaxReceiveMessageSize = options.MaxReceiveMessageBytes,
            MaxSendMessageSize = null,
            DisposeHttpClient = true,
        });
    }
}
