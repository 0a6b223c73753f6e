using Raft.Simulation;

namespace Raft.Gate.Ch04;

// Figure 8 of the paper, played on your nodes exactly as drawn: five servers S1 to S5 (nodes 1 to 5), time
// moving from (a) to (e). The network partitions stand in for the crashes of the figure (chapter 4 has no
// persistence yet; a partitioned node keeps its memory, which is what a crash with stable storage does).
// Election timeouts are a minute long, so the script alone decides who stands for election and when.
public sealed class Figure8Tests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private static readonly RaftOptions Scripted = new()
    {
        ElectionTimeoutMin = TimeSpan.FromSeconds(60),
        ElectionTimeoutMax = TimeSpan.FromSeconds(60),
    };

    private static void Elect(SimCluster<RaftNode> cluster, int id, long term, string figure)
    {
        cluster.Do(id, n =>
        {
            n.CurrentTerm = term - 1;
            n.StartElection();
        });
        cluster.RunUntil(() => cluster.Node(id).Role == Role.Leader, Second).ShouldBeTrue(
            $"{figure}: S{id} should win the election of term {term}; it is {cluster.Node(id).Role} in term {cluster.Node(id).CurrentTerm} (§5.2, §5.4.1).");
        cluster.Node(id).CurrentTerm.ShouldBe(term, $"{figure}: S{id} leads term {term}.");
    }

    private static void RunUntilHolds(SimCluster<RaftNode> cluster, int id, int entries, string figure) =>
        cluster.RunUntil(() => cluster.Node(id).Log.Count >= entries, Second).ShouldBeTrue(
            $"{figure}: S{id} should receive the leader's entries (§5.3); it holds {cluster.Node(id).Log.Count}.");

    /// <summary>
    /// Plays (a) to (c): S1 of term 4 has index 2 (term 2) on a majority, and index 3 (term 4) only on itself.
    /// Returns S1's client task for index 3; S1 is cut off from everyone.
    /// </summary>
    private static Task<string> UpToC(SimCluster<RaftNode> cluster)
    {
        cluster.Start();
        // Before (a): index 1, term 1, on every server and committed.
        Elect(cluster, 1, 1, "Before (a)");
        cluster.Await(cluster.SubmitAsync(cluster.Node(1), KeyValueStore.Put("x", "1")), Second, "The first command");
        cluster.AwaitApplied(1, Second);

        // (a) S1 leads term 2 and replicates index 2 to S2 only.
        Elect(cluster, 1, 2, "(a)");
        cluster.Network.Partition([1, 2], [3, 4, 5]);
        cluster.SubmitAsync(cluster.Node(1), KeyValueStore.Put("x", "2"));
        RunUntilHolds(cluster, 2, 2, "(a)");
        cluster.Note("Figure 8 (a): S1 leads term 2; index 2 reached S2 only");

        // (b) S1 crashes; S5 wins term 3 with the votes of S3, S4 and itself, and takes a different entry at index 2.
        cluster.Network.Partition([1], [2], [3, 4, 5]);
        Elect(cluster, 5, 3, "(b)");
        cluster.Network.Partition([1], [2], [3, 4], [5]);
        cluster.SubmitAsync(cluster.Node(5), KeyValueStore.Put("x", "3"));
        cluster.RunFor(Second / 10);
        cluster.Note("Figure 8 (b): S5 leads term 3 with an entry of its own at index 2");

        // (c) S5 crashes; S1 restarts, wins term 4 with S2 and S3, and copies index 2 (term 2) to S3: a majority holds it.
        cluster.Network.Partition([1, 2, 3], [4], [5]);
        Elect(cluster, 1, 4, "(c)");
        RunUntilHolds(cluster, 3, 2, "(c)");
        cluster.RunUntil(() => cluster.Node(1).MatchIndex.GetValueOrDefault(3) >= 2, Second).ShouldBeTrue(
            "(c): S3 should acknowledge index 2 to S1 (§5.3).");
        cluster.RunFor(Second / 2);
        cluster.Node(1).CommitIndex.ShouldBe(1,
            "Figure 8 (c): index 2 is from term 2 and S1 leads term 4. Though S1, S2 and S3 hold it, it is not committed: " +
            "in (d) S5 can still win with S2, S3 and S4 and overwrite it (§5.4.2).");
        cluster.Note("Figure 8 (c): S1 leads term 4; index 2 (term 2) is on S1, S2 and S3, and not committed");
        // ...and takes a client's command at index 3, which reaches nobody before (d) or (e).
        cluster.Network.Partition([1], [2, 3], [4], [5]);
        return cluster.SubmitAsync(cluster.Node(1), KeyValueStore.Append("x", "4"));
    }

    [Fact]
    public void Figure_8_c_an_entry_of_an_old_term_on_a_majority_is_not_committed()
    {
        Committing.ForSeeds(1, "§5.4.2, Figure 8: a leader commits by counting replicas only entries of its own term.", (cluster, _) =>
        {
            UpToC(cluster);
            cluster.Node(1).LastApplied.ShouldBe(1, "Figure 8 (c): S1 applied only index 1; index 2 is not committed, so it is not applied.");
        }, nodes: 5, raft: Scripted);
    }

    [Fact]
    public void Figure_8_d_the_old_entry_is_overwritten_and_no_server_ever_applied_it()
    {
        Committing.ForSeeds(1, "§5.4.2, Figure 8: an entry overwritten in (d) must never have been committed or applied.", (cluster, history) =>
        {
            var lost = UpToC(cluster);
            // (d) S1 crashes; S5 wins term 5 with S2, S3 and S4 (its last term, 3, beats their 2) and replicates its log.
            cluster.Network.Partition([1], [2, 3, 4, 5]);
            Elect(cluster, 5, 5, "(d)");
            cluster.Await(cluster.SubmitAsync(cluster.Node(5), KeyValueStore.Append("x", "5")), Second, "(d): S5's command of term 5");
            cluster.Note("Figure 8 (d): S5 leads term 5 and overwrote index 2 everywhere it reaches");
            foreach (var id in new[] { 2, 3, 4, 5 })
            {
                cluster.Node(id).Log[1].Term.ShouldBe(3, $"Figure 8 (d): S{id} holds S5's term-3 entry at index 2.");
            }
            history.Current(5).Values["x"].ShouldBe("35", "Figure 8 (d): S5's state machine applied put x 3 at index 2, then its own append.");
            cluster.Network.Heal();
            cluster.RunUntil(() => lost.IsCompleted, Second).ShouldBeTrue("(d): once S1 hears of term 5, its client's command at index 3 is answered.");
            lost.IsFaulted.ShouldBeTrue("(d): S1's command at index 3 (term 4) was overwritten by S5's term-5 entry; its client must not be told it succeeded.");
            // The simulator's State Machine Safety check has watched every step: if S1 had committed index 2 in (c),
            // two servers would now hold different committed entries there, and the run would have stopped.
        }, nodes: 5, raft: Scripted);
    }

    [Fact]
    public void Figure_8_e_once_the_current_terms_entry_is_committed_S5_cannot_win()
    {
        Committing.ForSeeds(1, "§5.4.2, Figure 8 (e): committing an entry of its own term commits the earlier ones, and §5.4.1 keeps them.", (cluster, _) =>
        {
            var task = UpToC(cluster);
            // (e) S1 replicates index 3 (term 4) to a majority before it crashes: now indexes 2 and 3 are committed.
            cluster.Network.Partition([1, 2, 3], [4], [5]);
            cluster.Await(task, Second, "(e): S1's command of term 4").ShouldBe("24", "(e): the append is applied after put x 2, so x is 24.");
            cluster.Node(1).CommitIndex.ShouldBe(3, "(e): index 3 (term 4) is on a majority: it and index 2 before it are committed.");

            cluster.Network.Partition([1], [2, 3, 4, 5]);
            cluster.Do(5, n =>
            {
                n.CurrentTerm = 4;
                n.StartElection();
            });
            cluster.RunFor(Second);
            cluster.Node(5).Role.ShouldNotBe(Role.Leader, "Figure 8 (e): S2 and S3 hold index 3 of term 4, more up to date than S5's log, and refuse their votes (§5.4.1).");
        }, nodes: 5, raft: Scripted);
    }

    [Fact]
    public void Leader_changes_with_partitions_never_lose_a_committed_entry()
    {
        // Figure 8's danger, played at random: leaders are cut off again and again while clients write. The simulator
        // checks Leader Completeness and State Machine Safety after every step.
        Committing.ForSeeds(30, "§5.4: a committed entry is in every later leader's log, and no two servers apply different commands at one index.", (cluster, history) =>
        {
            var random = new Random((int)cluster.Seed);
            var acknowledged = new List<(long Index, string Command)>();
            for (var round = 0; round < 8; round++)
            {
                var leader = cluster.LiveNodes.FirstOrDefault(n => n.Role == Role.Leader);
                if (leader is not null)
                {
                    var command = KeyValueStore.Put($"k{round}", $"{round}");
                    var task = cluster.SubmitAsync(leader, command);
                    var index = leader.LastLogIndex();
                    cluster.RunFor(TimeSpan.FromMilliseconds(random.Next(5, 60)));
                    if (random.Next(2) == 0)
                    {
                        cluster.Network.Isolate(leader.Id);
                    }
                    cluster.RunFor(TimeSpan.FromMilliseconds(random.Next(200, 900)));
                    if (task.IsCompletedSuccessfully)
                    {
                        acknowledged.Add((index, command));
                    }
                }
                else
                {
                    cluster.RunFor(Second / 2);
                }
                cluster.Network.Heal();
            }
            var final = cluster.AwaitLeader(5 * Second);
            foreach (var (index, command) in acknowledged)
            {
                final.Log.Count.ShouldBeGreaterThanOrEqualTo((int)index, $"§5.4: the final leader's log must hold acknowledged index {index}.");
                final.Log[(int)index - 1].Command.ShouldBe(command, $"§5.4 (Leader Completeness): index {index} was acknowledged to a client as '{command}', so every later leader holds it.");
            }
        }, nodes: 5);
    }
}
