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

    /// <summary>
    /// Runs until exactly one live node of <paramref name="among"/> (default: all) leads and every other one
    /// of them follows it in its term; returns that leader. Fails with the roles it saw if that takes longer
    /// than <paramref name="within"/>.
    /// </summary>
    public static RaftNode AwaitLeader(this SimCluster<RaftNode> cluster, TimeSpan within, IReadOnlyCollection<int>? among = null)
    {
        var ids = among ?? cluster.NodeIds;
        RaftNode? Leader()
        {
            var live = ids.Where(cluster.IsUp).Select(cluster.Node).ToList();
            var leaders = live.Where(n => n.Role == Role.Leader).ToList();
            if (leaders.Count != 1)
            {
                return null;
            }
            var leader = leaders[0];
            return live.All(n => n.CurrentTerm == leader.CurrentTerm && (n == leader || n.LeaderId == leader.Id)) ? leader : null;
        }
        cluster.RunUntil(() => Leader() is not null, within).ShouldBeTrue(
            $"No single leader that every node follows after {within.TotalSeconds:0.#} s (§5.2; roles: " +
            string.Join(", ", ids.Where(cluster.IsUp).Select(cluster.Node).Select(n => $"n{n.Id} {n.Role} t{n.CurrentTerm}")) + ").");
        return Leader()!;
    }

    /// <summary>The live nodes that believe they are leader.</summary>
    public static IReadOnlyList<RaftNode> Leaders(this SimCluster<RaftNode> cluster) =>
        cluster.LiveNodes.Where(n => n.Role == Role.Leader).ToList();

    /// <summary>AppendEntries sent from <paramref name="from"/> to <paramref name="to"/> so far.</summary>
    public static IReadOnlyList<AppendEntries> AppendEntriesSent(this SimCluster<RaftNode> cluster, int from, int to) =>
        cluster.Trace.SentOf<AppendEntries>(from).Where(s => s.Event.To == to).Select(s => s.Message).ToList();
}
