namespace Raft;

/// <summary>How to run one node of a cluster on the network.</summary>
public sealed record NodeServerOptions
{
    /// <summary>This node's id: one of <see cref="Cluster"/>.</summary>
    public required int Id { get; init; }

    /// <summary>Every node of the cluster, this one included, with the address it listens on.</summary>
    public required IReadOnlyList<NodeAddress> Cluster { get; init; }

    /// <summary>Where this node keeps its <see cref="FileStorage"/>; a missing or empty directory is a fresh node.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Seeds the node's randomness (its election timeouts).</summary>
    public int Seed { get; init; }

    public RaftOptions Raft { get; init; } = new();

    /// <summary>The longest frame this node reads; a longer one closes the connection.</summary>
    public int MaxFrameLength { get; init; } = Frames.DefaultMaxLength;

    /// <summary>
    /// The secret every member holds (<see cref="ClusterKey"/>): with it, a connection that does not prove it holds the key
    /// is closed before it can say anything; without it (null), anyone who reaches the port can speak Raft to the node.
    /// </summary>
    public ClusterKey? ClusterKey { get; init; }

    /// <summary>Where this node listens: its entry in <see cref="Cluster"/>.</summary>
    public NodeAddress Self =>
        Cluster.FirstOrDefault(n => n.Id == Id)
        ?? throw new ArgumentException($"Node {Id} is not in the cluster ({string.Join(", ", Cluster.Select(n => n.Id))}).");
}
