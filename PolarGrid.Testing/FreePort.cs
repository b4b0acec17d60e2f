using System.Net;
using System.Net.Sockets;

namespace PolarGrid.Testing;

/// <summary>
/// Hands out loopback ports for servers that tests start as separate processes.
/// </summary>
/// <remarks>
/// A port from bind(0) comes from the kernel's ephemeral range, the same range outgoing connections take their source
/// ports from: between the probe and the child process binding it, any client connection on the machine may take it
/// (CI saw exactly that). These ports come from below the ephemeral range instead, are never handed out twice by this
/// process, and are probed before being returned.
/// </remarks>
public static class FreePort
{
    private const int FallbackEphemeralStart = 32768;
    private const int LowestPort = 10000;

    private static readonly HashSet<int> s_handedOut = [];
    private static readonly int s_highestPort = Math.Max(LowestPort + 1000, EphemeralRangeStart() - 1);
    private static int s_next = LowestPort + Random.Shared.Next(s_highestPort - LowestPort);

    /// <summary>A loopback port outside the ephemeral range that was free a moment ago and is not handed out again.</summary>
    public static int Next()
    {
        lock (s_handedOut)
        {
            for (var tries = 0; tries <= s_highestPort - LowestPort; tries++)
            {
                var port = s_next;
                s_next = port >= s_highestPort ? LowestPort : port + 1;
                if (s_handedOut.Add(port) && IsFree(port))
                {
                    return port;
                }
            }
        }
        throw new InvalidOperationException($"No free loopback port between {LowestPort} and {s_highestPort}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
                .Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException
                                              or IndexOutOfRangeException)
        {
            return FallbackEphemeralStart;
        }
    }
}
