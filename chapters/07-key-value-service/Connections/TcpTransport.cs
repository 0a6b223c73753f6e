using Microsoft.Extensions.Logging;

namespace Raft;

/// <summary>
/// The <see cref="ITransport"/> of a node on a real network: each message becomes a frame (<see cref="MessageCodec"/>,
/// <see cref="Frames"/>) on the node's own connection to that peer (<see cref="PeerLink"/>). Like the simulator's
/// network, it never blocks and never throws at the node: a message may simply not arrive.
/// </summary>
public sealed class TcpTransport : ITransport, IAsyncDisposable
{
    private readonly Dictionary<int, PeerLink> _links;

    /// <param name="contactedMaxBackoff">
    /// The longest pause between connection attempts to a peer that was reached before (see <see cref="PeerLink"/>):
    /// a node gives a fraction of its shortest election timeout.
    /// </param>
    public TcpTransport(int id, IEnumerable<NodeAddress> peers, ILogger logger, TimeProvider time, TimeSpan? contactedMaxBackoff = null, ClusterKey? key = null)
    {
        Id = id;
        _links = peers.Where(p => p.Id != id).ToDictionary(p => p.Id, p => new PeerLink(id, p, logger, time, contactedMaxBackoff, key));
    }

    public int Id { get; }

    public IReadOnlyDictionary<int, PeerLink> Links => _links;

    public void Send(int to, IMessage message)
    {
        if (!_links.TryGetValue(to, out var link))
        {
            throw new ArgumentOutOfRangeException(nameof(to), to, $"Node {Id} has no peer {to}; its peers are {string.Join(", ", _links.Keys)}.");
        }
        link.Enqueue(message.Term, Frames.Frame(MessageCodec.Encode(Id, message)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var link in _links.Values)
        {
            await link.DisposeAsync();
        }
    }
}
