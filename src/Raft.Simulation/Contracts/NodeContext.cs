using Microsoft.Extensions.Logging;

namespace Raft;

/// <summary>
/// Everything a node takes from the world, handed to it at construction. A node reads time only
/// from <see cref="Time"/>, draws randomness only from <see cref="Random"/>, and talks only through
/// <see cref="Transport"/>: that is what lets the simulator replay a run exactly from its seed.
/// </summary>
/// <param name="Id">This node's id.</param>
/// <param name="Peers">The ids of the other nodes of the cluster (not including <paramref name="Id"/>).</param>
public sealed record NodeContext(
    int Id,
    IReadOnlyList<int> Peers,
    ITransport Transport,
    TimeProvider Time,
    Random Random,
    ILogger Logger,
    IStableStorage Storage)
{
    /// <summary>The number of servers in the cluster, this one included.</summary>
    public int ClusterSize => Peers.Count + 1;
}
