using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace PolarGrid.HubServer;

/// <summary>Where the Hub API and its stand-in CDN listen; the CDN is a separate port so redirects cross hosts.</summary>
public sealed class HubAddresses(int cdnPort, IServer server)
{
    public int CdnPort { get; } = cdnPort;

    public Uri CdnBaseAddress => new($"http://127.0.0.1:{CdnPort}/");

    /// <summary>The first address that is not the CDN; only known once the server has started.</summary>
    public Uri ApiBaseAddress
    {
        get
        {
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var api = addresses.Select(a => new Uri(a.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal)))
                .FirstOrDefault(u => u.Port != CdnPort)
                ?? throw new InvalidOperationException("The Hub server has not started yet.");
            return new Uri(api.GetLeftPart(UriPartial.Authority) + "/");
        }
    }

    public bool IsCdnRequest(HttpContext context) => context.Connection.LocalPort == CdnPort;

    /// <summary>
    /// Reserves a free loopback port by binding and releasing it. Kestrel must know the CDN port before it starts
    /// (it is added to the listen URLs), and a fixed port number is how requests are told apart from API ones.
    /// </summary>
    public static int ChooseCdnPort(int configured)
    {
        if (configured != 0)
        {
            return configured;
        }

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
