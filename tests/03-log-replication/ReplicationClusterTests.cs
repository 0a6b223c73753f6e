using Raft.Simulation;

namespace Raft.Gate.Ch03;

// Clusters replicating logs on simulated time, many seeds each (MIT 6.5840's 3B scenarios without commits,
// which are chapter 4). The simulator checks Log Matching (§5.3) after every step.
public sealed class ReplicationClusterTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private static SubmitResult Submit(SimCluster<RaftNode> cluster, RaftNode leader, string command)
    {
        SubmitResult? result = null;
        cluster.Do(() => result = leader.Submit(command));
        result!.Accepted.ShouldBeTrue($"Node {leader.Id} leads term {leader.CurrentTerm} and should accept {command} (§5.3).");
        return result;
    }

    /// <summary>Runs until every live node of <paramref name="among"/> holds exactly the leader's log.</summary>
    private static void AwaitSameLogs(SimCluster<RaftNode> cluster, RaftNode leader, TimeSpan within, IEnumerable<int>? among = null)
    {
        var ids = (among ?? cluster.NodeIds).Where(cluster.IsUp).ToList();
        bool Same() => ids.All(id => cluster.Node(id).Log.SequenceEqual(leader.Log));
        cluster.RunUntil(Same, within).ShouldBeTrue(
            $"§5.3: followers' logs should become identical to leader {leader.Id}'s ({leader.Log.Count} entries) within {within.TotalSeconds:0.#} s; they hold " +
            string.Join(", ", ids.Select(id => $"n{id}: {cluster.Node(id).Log.Count}")) + ".");
    }

    private static void Isolate(SimCluster<RaftNode> cluster, IEnumerable<int> ids)
    {
        foreach (var id in ids)
        {
            cluster.Network.Isolate(id);
        }
    }

    [Fact]
    public void Every_log_converges_to_the_leaders()
    {
        Scenario.ForSeeds(20, "§5.3: the leader replicates each command to every follower, in order.", cluster =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            for (var i = 1; i <= 5; i++)
            {
                Submit(cluster, leader, $"x={i}");
                cluster.RunFor(TimeSpan.FromMilliseconds(30));
            }
            AwaitSameLogs(cluster, leader, Second);
            leader.Log.Select(e => e.Command).ShouldBe(["x=1", "x=2", "x=3", "x=4", "x=5"], "§5.3: the leader's log holds the five commands in the order they were submitted, once each.");
        });
    }

    [Fact]
    public void Replication_goes_on_without_a_crashed_follower_which_catches_up_after_a_restart()
    {
        Scenario.ForSeeds(10, "§5.3: a leader keeps replicating to the followers it can reach, and brings a returning one up to date.", cluster =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            var down = cluster.NodeIds.First(id => id != leader.Id);
            cluster.Crash(down);
            for (var i = 1; i <= 5; i++)
            {
                Submit(cluster, leader, $"x={i}");
            }
            AwaitSameLogs(cluster, leader, Second);

            cluster.Restart(down);
            AwaitSameLogs(cluster, leader, 2 * Second);
        });
    }

    [Fact]
    public void After_the_leader_crashes_the_new_leaders_log_wins()
    {
        Scenario.ForSeeds(10, "§5.3: a new leader forces the followers' logs to duplicate its own.", cluster =>
        {
            var old = cluster.AwaitLeader(2 * Second);
            Submit(cluster, old, "a");
            cluster.RunFor(Second / 2);
            cluster.Crash(old.Id);
            var rest = cluster.NodeIds.Where(id => id != old.Id).ToList();
            var leader = cluster.AwaitLeader(3 * Second, rest);
            Submit(cluster, leader, "b");
            AwaitSameLogs(cluster, leader, 2 * Second, rest);
            leader.Log.Select(e => e.Command).ShouldContain("b", "§5.3: the new leader accepted command b and keeps it in its log.");
        }, nodes: 5);
    }

    [Fact]
    public void A_follower_cut_off_for_a_while_catches_up_when_it_rejoins()
    {
        Scenario.ForSeeds(10, "§5.3: after a partition heals, the leader finds where the follower's log stops matching and sends the rest.", cluster =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            var away = cluster.NodeIds.First(id => id != leader.Id);
            cluster.Network.Isolate(away);
            for (var i = 1; i <= 20; i++)
            {
                Submit(cluster, leader, $"x={i}");
                cluster.RunFor(TimeSpan.FromMilliseconds(20));
            }
            cluster.Network.Reconnect(away);
            leader = cluster.AwaitLeader(3 * Second);
            AwaitSameLogs(cluster, leader, 2 * Second);
        });
    }

    [Fact]
    public void A_leader_cut_off_in_a_minority_gets_its_entries_replaced()
    {
        Scenario.ForSeeds(10, "§5.3: entries a minority leader could not replicate are overwritten by the majority's leader; they never spread to the majority.", cluster =>
        {
            var old = cluster.AwaitLeader(2 * Second);
            var buddy = cluster.NodeIds.First(id => id != old.Id);
            var majority = cluster.NodeIds.Except([old.Id, buddy]).ToList();
            cluster.Network.Partition([old.Id, buddy], [.. majority]);
            for (var i = 1; i <= 5; i++)
            {
                Submit(cluster, old, $"lost{i}");
            }
            var leader = cluster.AwaitLeader(3 * Second, majority);
            for (var i = 1; i <= 3; i++)
            {
                Submit(cluster, leader, $"kept{i}");
            }
            AwaitSameLogs(cluster, leader, Second, majority);
            majority.Where(id => cluster.Node(id).Log.Any(e => e.Command.StartsWith("lost"))).Select(id => $"node {id}").ShouldBeEmpty(
                "§5.3: nothing the minority leader appended may reach the majority; these nodes of the majority hold its entries");

            cluster.Network.Heal();
            leader = cluster.AwaitLeader(3 * Second);
            AwaitSameLogs(cluster, leader, 2 * Second);
            leader.Log.Where(e => e.Command.StartsWith("lost")).Select(e => e.Command).ShouldBeEmpty("The old leader's conflicting entries are replaced, not merged; the leader still holds");
        }, nodes: 5);
    }

    [Fact]
    public void Concurrent_submissions_end_up_in_one_order_everywhere()
    {
        Scenario.ForSeeds(10, "§5.3: a leader orders concurrent commands in its log, and every follower ends with that order.", cluster =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            cluster.Do(() =>
            {
                for (var i = 1; i <= 20; i++)
                {
                    leader.Submit($"c{i}").Accepted.ShouldBeTrue($"§5.3: the leader accepts command c{i}.");
                }
            });
            AwaitSameLogs(cluster, leader, Second);
            leader.Log.Count.ShouldBe(20, "§5.3: the leader's log holds the 20 commands it accepted, once each.");
        }, nodes: 5);
    }

    [Fact]
    public void A_follower_with_50_conflicting_entries_is_repaired_in_a_few_round_trips()
    {
        Scenario.ForSeeds(5, "§5.3, last paragraphs: with the conflicting term in each rejection, the leader backs up a whole term per round trip, not one entry.", cluster =>
        {
            // Node 3 holds 50 entries of term 1 that nobody else has; nodes 1 and 2 hold 50 entries of term 2.
            cluster.Node(3).CurrentTerm = 1;
            cluster.Node(3).Log.AddRange(Enumerable.Range(1, 50).Select(i => new LogEntry(1, $"stale{i}")));
            foreach (var id in new[] { 1, 2 })
            {
                cluster.Node(id).CurrentTerm = 2;
                cluster.Node(id).Log.AddRange(Enumerable.Range(1, 50).Select(i => new LogEntry(2, $"good{i}")));
            }
            cluster.Network.Isolate(3);
            var leader = cluster.AwaitLeader(3 * Second, [1, 2]);
            Submit(cluster, leader, "next");
            cluster.RunFor(Second / 2);
            var before = cluster.AppendEntriesSent(leader.Id, 3).Count;

            cluster.Network.Reconnect(3);
            AwaitSameLogs(cluster, leader, 2 * Second);

            var used = cluster.AppendEntriesSent(leader.Id, 3).Count - before;
            used.ShouldBeLessThanOrEqualTo(8, $"Repairing 50 conflicting entries took {used} AppendEntries; backing up one entry per round trip would take about 50.");
        });
    }

    [Fact]
    public void Each_command_goes_to_each_follower_about_once()
    {
        Scenario.ForSeeds(10, "Message economy (§5.3): entries are sent from nextIndex and only again if lost, not the whole log with every heartbeat.", cluster =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            var start = cluster.Trace.Events.Count;
            for (var i = 1; i <= 100; i++)
            {
                Submit(cluster, leader, $"x={i}");
                cluster.RunFor(TimeSpan.FromMilliseconds(5 + i % 7));
            }
            AwaitSameLogs(cluster, leader, 2 * Second);

            var followers = 0;
            foreach (var follower in cluster.NodeIds.Where(id => id != leader.Id))
            {
                var entriesSent = cluster.Trace.Events.Skip(start).OfType<MessageSent>()
                    .Where(s => s.From == leader.Id && s.To == follower && s.Message is AppendEntries)
                    .Sum(s => ((AppendEntries)s.Message).Entries.Count);
                entriesSent.ShouldBeInRange(100, 120, $"100 commands should cost about 100 entries to node {follower}, not {entriesSent}.");
                followers++;
            }
            followers.ShouldBe(cluster.NodeIds.Count - 1, "every follower's share was counted");
        });
    }

    [Fact]
    public void Lost_duplicated_and_reordered_messages_never_corrupt_a_log()
    {
        Scenario.ForSeeds(20, "§5.3: the consistency check and conflict-only truncation keep logs matching through loss, duplication and reordering (Log Matching, Figure 3).", cluster =>
        {
            var leader = cluster.AwaitLeader(5 * Second);
            for (var i = 1; i <= 30; i++)
            {
                if (leader.Role != Role.Leader)
                {
                    leader = cluster.AwaitLeader(5 * Second);
                }
                cluster.Do(() => leader.Submit($"x={i}"));
                cluster.RunFor(TimeSpan.FromMilliseconds(25));
            }
            cluster.Network.Options = NetworkOptions.Reliable;
            leader = cluster.AwaitLeader(5 * Second);
            AwaitSameLogs(cluster, leader, 5 * Second);
        }, nodes: 5, network: NetworkOptions.Unreliable with { DuplicateRate = 0.2, LongDelayRate = 0.2 });
    }
}
