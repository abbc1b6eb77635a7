using System.Net;
using System.Net.Sockets;

namespace ObjectStore.IntegrationTests.Infrastructure;

/// <summary>
/// Loopback ports for the apps the tests start. They come from 10000-19999: below the kernel's ephemeral range, so an
/// outgoing connection cannot take an app's port while the app restarts (a stopped and started <c>./run</c> binds the same
/// ports again), and below the 20000+ that <c>scripts/infra</c> picks for RabbitMQ, Azurite and etcd.
/// </summary>
public static class LoopbackPorts
{
    private const int Lowest = 10_000;
    private const int Highest = 19_999;

    private static readonly HashSet<int> HandedOut = [];

    public static int Take() => Take(1);

    /// <summary>The first of <paramref name="count"/> consecutive free ports, none handed out before in this run.</summary>
    public static int Take(int count)
    {
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var first = Random.Shared.Next(Lowest, Highest - count + 2);
            var ports = Enumerable.Range(first, count).ToArray();
            lock (HandedOut)
            {
                if (ports.Any(HandedOut.Contains) || !ports.All(IsFree))
                {
                    continue;
                }

                HandedOut.UnionWith(ports);
                return first;
            }
        }

        throw new InvalidOperationException($"no {count} consecutive free loopback ports in {Lowest}-{Highest}");
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
}
