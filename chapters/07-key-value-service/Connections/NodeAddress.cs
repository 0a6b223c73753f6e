using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Raft;

/// <summary>Where node <paramref name="Id"/> listens.</summary>
public sealed record NodeAddress(int Id, string Host, int Port)
{
    public override string ToString() => $"{Host}:{Port}";

    /// <summary>
    /// Nodes 1 to <paramref name="count"/> on 127.0.0.1, each on a port that is free now (bound to port 0 to be given
    /// one, then released), for a cluster on one machine.
    /// </summary>
    public static IReadOnlyList<NodeAddress> OnLoopback(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select((l, i) => new NodeAddress(i + 1, "127.0.0.1", ((IPEndPoint)l.LocalEndpoint).Port))];
        }
        finally
        {
            listeners.ForEach(l => l.Dispose());
        }
    }

    /// <summary>
    /// Reads <c>1=127.0.0.1:7001,2=127.0.0.1:7002</c>: every node of a cluster with its address.
    /// </summary>
    /// <exception cref="FormatException">A sentence that names the part that is wrong.</exception>
    public static IReadOnlyList<NodeAddress> ParseList(string text)
    {
        var nodes = new List<NodeAddress>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=');
            var colon = part.LastIndexOf(':');
            if (equals <= 0 || colon < equals + 2
                || !int.TryParse(part[..equals], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < 1
                || !int.TryParse(part[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new FormatException($"\"{part}\" is not ID=HOST:PORT with an id of 1 or more and a port from 1 to 65535 (for example 1=127.0.0.1:7001).");
            }
            if (nodes.Any(n => n.Id == id))
            {
                throw new FormatException($"Node {id} is listed twice in \"{text}\".");
            }
            nodes.Add(new NodeAddress(id, part[(equals + 1)..colon], port));
        }
        return nodes.Count > 0 ? nodes : throw new FormatException("No node is listed; give ID=HOST:PORT for each, separated by commas.");
    }
}
