using Raft.Simulation;

namespace Raft.Gate;

/// <summary>Builds simulated clusters of the chapter's <see cref="RaftNode"/>.</summary>
public static class Cluster
{
    /// <param name="raftFor">Options per node id, when nodes should differ; otherwise <paramref name="raft"/> for all.</param>
    public static SimCluster<RaftNode> Create(long seed, int nodes = 3, NetworkOptions? network = null, RaftOptions? raft = null,
        Func<int, RaftOptions>? raftFor = null) =>
        SimCluster.Create(
            new SimulationOptions { Seed = seed, NodeCount = nodes, Network = network ?? NetworkOptions.Reliable },
            context => new RaftNode(context, raftFor?.Invoke(context.Id) ?? raft));

    /// <summary>The live nodes that believe they are leader.</summary>
    public static IReadOnlyList<RaftNode> Leaders(this SimCluster<RaftNode> cluster) =>
        cluster.LiveNodes.Where(n => n.Role == Role.Leader).ToList();

    /// <summary>AppendEntries sent from <paramref name="from"/> to <paramref name="to"/> so far.</summary>
    public static IReadOnlyList<AppendEntries> AppendEntriesSent(this SimCluster<RaftNode> cluster, int from, int to) =>
        cluster.Trace.SentOf<AppendEntries>(from).Where(s => s.Event.To == to).Select(s => s.Message).ToList();
}
