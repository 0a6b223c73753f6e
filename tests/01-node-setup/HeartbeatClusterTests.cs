using Raft.Simulation;

namespace Raft.Gate.Ch01;

// Three nodes on the simulated network, node 1 appointed leader of term 1 by hand (chapter 2 adds
// elections). The loops run for real, on simulated time, for several seeds each.
public sealed class HeartbeatClusterTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void A_leader_sends_a_heartbeat_to_every_follower_each_interval()
    {
        Scenario.ForSeeds(10, "§5.2: a leader sends periodic heartbeats (AppendEntries with no entries) to all followers, here every 100 ms.", cluster =>
        {
            cluster.Do(1, n => n.ForceLeader(1));
            cluster.RunFor(Second);

            foreach (var follower in new[] { 2, 3 })
            {
                var count = cluster.AppendEntriesSent(1, follower).Count;
                count.ShouldBeInRange(9, 11, $"In 1 s at one heartbeat per 100 ms, node {follower} should get about 10 heartbeats, not {count}.");
            }
        });
    }

    [Fact]
    public void Followers_send_no_heartbeats()
    {
        Scenario.ForSeeds(5, "§5.2: only a leader sends AppendEntries.", cluster =>
        {
            cluster.Do(1, n => n.ForceLeader(1));
            cluster.RunFor(Second);

            cluster.Trace.SentOf<AppendEntries>(from: 2).ShouldBeEmpty("Node 2 is a follower and must not send AppendEntries.");
            cluster.Trace.SentOf<AppendEntries>(from: 3).ShouldBeEmpty("Node 3 is a follower and must not send AppendEntries.");
        });
    }

    [Fact]
    public void Followers_learn_the_leaders_term_and_id_from_heartbeats()
    {
        Scenario.ForSeeds(10, "§5.1 and §5.2: a heartbeat's newer term is adopted, and its sender is the term's leader.", cluster =>
        {
            cluster.Do(1, n => n.ForceLeader(1));
            cluster.RunFor(Second / 2);

            foreach (var id in new[] { 2, 3 })
            {
                var node = cluster.Node(id);
                node.CurrentTerm.ShouldBe(1, $"Node {id} heard heartbeats of term 1.");
                node.Role.ShouldBe(Role.Follower, $"§5.2: node {id} hears the leader's heartbeats, so it stays a follower.");
                node.LeaderId.ShouldBe(1, $"Node {id} should know that node 1 leads term 1.");
            }
            cluster.Node(1).Role.ShouldBe(Role.Leader, "Nothing in this run should depose the leader.");
        });
    }

    [Fact]
    public void The_first_heartbeat_carries_the_leaders_last_log_position_and_commit_index()
    {
        Scenario.ForSeeds(3, "§5.3: AppendEntries carries prevLogIndex, prevLogTerm and leaderCommit, heartbeats included.", cluster =>
        {
            cluster.Do(1, n =>
            {
                n.Log.AddRange([new LogEntry(1, "a"), new LogEntry(1, "b")]);
                n.CommitIndex = 1;
                n.ForceLeader(1);
            });
            cluster.RunFor(Second / 2);

            foreach (var id in new[] { 2, 3 })
            {
                var sent = cluster.AppendEntriesSent(1, id);
                sent.ShouldNotBeEmpty($"Node 1 sent node {id} nothing.");
                var first = sent[0];
                first.PrevLogIndex.ShouldBe(2, "§5.2: a heartbeat's prevLogIndex names the leader's last entry (index 2).");
                first.PrevLogTerm.ShouldBe(1, "§5.2: a heartbeat's prevLogTerm is the term of the leader's last entry (term 1).");
                first.LeaderCommit.ShouldBe(1, "Figure 2: a heartbeat carries the leader's commitIndex as leaderCommit.");
                first.LeaderId.ShouldBe(1, "Figure 2: a heartbeat carries the leader's id, so followers can redirect clients.");
                first.Term.ShouldBe(1, "Figure 2: a heartbeat carries the leader's current term.");
            }
        });
    }

    [Fact]
    public void A_leader_steps_down_when_a_follower_answers_with_a_newer_term()
    {
        Scenario.ForSeeds(10, "§5.1: a leader that sees a higher term in a reply becomes a follower of that term.", cluster =>
        {
            cluster.Node(2).CurrentTerm = 5;
            cluster.Do(1, n => n.ForceLeader(1));

            var stepped = cluster.RunUntil(() => cluster.Node(1).Role != Role.Leader, Second);

            stepped.ShouldBeTrue("Node 2 answers node 1's heartbeats with term 5, so node 1 must stop leading.");
            cluster.Node(1).CurrentTerm.ShouldBe(5, "§5.1: the leader adopts the newer term the reply carries.");
            cluster.Node(1).Role.ShouldBe(Role.Follower, "§5.1: a leader that learns of a newer term becomes a follower.");
        });
    }

    [Fact]
    public void A_crashed_follower_stops_and_rejoins_after_a_restart()
    {
        Scenario.ForSeeds(10, "Loops stop on cancellation, and a restarted node follows the leader it hears (§5.2).", cluster =>
        {
            cluster.Do(1, n => n.ForceLeader(1));
            cluster.RunFor(Second / 2);

            cluster.Crash(2); // fails the run if node 2's loops ignore the cancellation
            var sentBefore = cluster.AppendEntriesSent(1, 2).Count;
            cluster.RunFor(Second / 2);
            cluster.AppendEntriesSent(1, 2).Count.ShouldBeGreaterThan(sentBefore, "The leader keeps sending to a crashed follower; those messages are simply lost.");
            cluster.Node(1).Role.ShouldBe(Role.Leader, "A follower's crash changes nothing for the leader: it goes on leading.");

            cluster.Restart(2);
            cluster.RunFor(Second / 2);
            cluster.Node(2).LeaderId.ShouldBe(1, "After a restart, node 2 follows the leader whose heartbeats it hears.");
            cluster.Node(2).CurrentTerm.ShouldBe(1, "§5.1: the restarted node adopts the term of the heartbeats it hears.");
        });
    }

    [Fact]
    public void The_same_seed_gives_the_same_run()
    {
        Scenario.ForSeeds(5, "Determinism: a run depends only on its seed, so every failure can be replayed.", cluster =>
        {
            var first = Lossy(cluster);
            using var again = Cluster.Create(cluster.Seed, network: NetworkOptions.Unreliable);
            var second = Lossy(again);

            second.ShouldBe(first, "Two runs of the same seed produced different traces: node code reads time, randomness or threads from outside its NodeContext.");
        }, network: NetworkOptions.Unreliable);

        static string Lossy(SimCluster<RaftNode> c)
        {
            c.Do(1, n => n.ForceLeader(1));
            c.RunFor(Second);
            c.Crash(3);
            c.RunFor(Second / 2);
            c.Restart(3);
            c.RunFor(Second);
            return c.Trace.Hash();
        }
    }
}
