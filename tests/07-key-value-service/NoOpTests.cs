using Raft.Gate.Ch04;
using Raft.Simulation;

namespace Raft.Gate.Ch07;

// §8: "each leader commit a blank no-op entry into the log at the start of its term". A new leader may not commit an
// earlier term's entry by counting replicas (Figure 8); its own no-op, once committed, commits everything before it, so
// earlier entries do not wait for the next client, and ReadIndex has a commitIndex it can trust.
public sealed class NoOpTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    internal static readonly RaftOptions Service = new() { NoOpOnElection = true };

    [Fact]
    public void A_new_leader_appends_a_no_op_of_its_own_term_and_saves_it()
    {
        var storage = new SimStorage();
        var (node, _) = Standalone.Node(id: 1, clusterSize: 3, options: Service, storage: storage);
        node.Log.Add(new LogEntry(1, KeyValueStore.Put("x", "1")));

        node.ForceLeader(3);

        node.Log.Count.ShouldBe(2, "§8: taking office, the leader appends one entry (TODO(ch07) NoOp)");
        node.Log[^1].ShouldBe(new LogEntry(3, KeyValueStore.NoOp), "§8: the entry is a no-op in the leader's current term, not its last entry's (TODO(ch07) NoOp)");
        storage.Log.Count.ShouldBe(2, "Figure 2: the leader's own copy counts toward a majority only once it is saved (TODO(ch07) NoOp)");
        node.CommitIndex.ShouldBe(0, "one server of three holds it: nothing is committed yet");
    }

    [Fact]
    public void A_one_node_cluster_commits_its_no_op_at_once()
    {
        var (node, _) = Standalone.Node(id: 1, clusterSize: 1, options: Service);

        node.ForceLeader(1);

        node.CommitIndex.ShouldBe(1, "§8: in a cluster of one the leader alone is a majority: its no-op is committed as it is appended (TODO(ch07) NoOp)");
    }

    [Fact]
    public void A_new_leader_commits_the_entries_of_earlier_terms_without_a_client()
    {
        Committing.ForSeeds(20, "§8: a new leader's no-op commits the entries of earlier terms it holds, with no client command (Figure 8 forbids counting them).", (cluster, _) =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            var task = cluster.SubmitAsync(leader, KeyValueStore.Put("x", "1"));
            var index = 0L;
            cluster.Do(() => index = leader.LastLogIndex());
            // The leader learns the entry is committed; crash it before any follower hears so.
            cluster.RunUntil(() => leader.CommitIndex >= index, Second).ShouldBeTrue("the leader commits the entry with its followers' acknowledgements");
            cluster.Crash(leader.Id);
            var before = cluster.LiveNodes.Max(n => n.CommitIndex);

            var committed = cluster.RunUntil(() => cluster.LiveNodes.All(n => n.CommitIndex >= index), 3 * Second);

            committed.ShouldBeTrue($"§8: the new leader's no-op commits index {index} on every live node with no client command " +
                                   $"(before the crash they had committed up to {before}) (TODO(ch07) NoOp)");
            task.IsCompleted.ShouldBeTrue("the old leader's client was answered, or told the leader crashed (its command is committed all the same)");
        }, raft: Service);
    }

    [Fact]
    public void The_no_op_is_applied_and_changes_nothing()
    {
        Committing.ForSeeds(10, "§8: the no-op is applied like any committed entry, and changes no key.", (cluster, history) =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            cluster.RunUntil(() => cluster.LiveNodes.All(n => n.LastApplied >= 1), Second).ShouldBeTrue("§8: the no-op is committed and applied everywhere (TODO(ch07) NoOp)");

            var nodes = 0;
            foreach (var id in cluster.NodeIds)
            {
                history.Current(id).Applied[0].Command.ShouldBe(KeyValueStore.NoOp, $"node {id} applied the no-op first");
                history.Current(id).Values.ShouldBeEmpty($"node {id}'s store is unchanged");
                nodes++;
            }
            nodes.ShouldBe(3, "every node was checked");
        }, raft: Service);
    }
}
