namespace Raft.Gate.Ch04;

// Figure 2, Rules for Servers, Leaders: "If there exists an N such that N > commitIndex, a majority of
// matchIndex[i] >= N, and log[N].term == currentTerm: set commitIndex = N (§5.3, §5.4)."
public sealed class CommitRuleTests
{
    /// <summary>A leader of <paramref name="term"/> in a cluster of <paramref name="size"/>, holding entries of <paramref name="logTerms"/>.</summary>
    private static RaftNode Leader(int size, long term, params long[] logTerms)
    {
        var (node, _) = Standalone.Node(id: 1, clusterSize: size);
        node.Log.AddRange(logTerms.Select((t, i) => new LogEntry(t, $"put k{i + 1} v")));
        node.ForceLeader(term);
        return node;
    }

    private static void Ack(RaftNode leader, int from, long matchIndex) =>
        leader.Dispatch(new Envelope(from, leader.Id, new AppendEntriesReply(leader.CurrentTerm, Success: true, MatchIndex: matchIndex)));

    [Fact]
    public void An_entry_of_the_leaders_term_is_committed_once_a_majority_holds_it()
    {
        var leader = Leader(5, 2, 2);

        Ack(leader, 2, 1);
        leader.CommitIndex.ShouldBe(0, "§5.3: two copies of five (the leader's and one follower's) are not a majority; nothing is committed yet.");

        Ack(leader, 3, 1);
        leader.CommitIndex.ShouldBe(1, "§5.3: with the leader's own copy, three of five servers hold index 1: it is committed.");
    }

    [Fact]
    public void The_leaders_own_copy_counts_toward_the_majority()
    {
        var leader = Leader(3, 2, 2);

        Ack(leader, 2, 1);

        leader.CommitIndex.ShouldBe(1, "§5.3: in a cluster of 3 the leader and one follower are a majority; the leader's own log counts as a replica.");
    }

    [Fact]
    public void An_earlier_terms_entry_is_not_committed_by_counting_its_replicas()
    {
        // Figure 8 (c): the leader of term 4 holds index 2 from term 2 and its own index 3; index 2 reaches a majority first.
        var leader = Leader(5, 4, 1, 2, 4);
        leader.CommitIndex = 1;

        Ack(leader, 2, 2);
        Ack(leader, 3, 2);

        leader.CommitIndex.ShouldBe(1, "§5.4.2, Figure 8: a leader never commits an entry of an earlier term by counting replicas. " +
            "Index 2 (term 2) is on 3 of 5 servers, but a candidate holding a term-3 entry there could still win and overwrite it.");

        Ack(leader, 2, 3);
        Ack(leader, 3, 3);

        leader.CommitIndex.ShouldBe(3, "§5.4.2: once index 3, of the leader's own term, is on a majority, it is committed, and index 2 with it.");
    }

    [Fact]
    public void An_earlier_terms_entry_commits_with_the_first_entry_of_the_current_term()
    {
        var leader = Leader(5, 4, 1, 2);
        leader.CommitIndex = 1;
        leader.Submit(KeyValueStore.Put("x", "4"));

        Ack(leader, 2, 3);
        Ack(leader, 3, 3);

        leader.CommitIndex.ShouldBe(3, "§5.4.2: once an entry of the current term (index 3) is on a majority, it is committed, and with it every entry before it (Log Matching).");
    }

    [Fact]
    public void Commit_goes_straight_to_the_highest_index_a_majority_holds()
    {
        var leader = Leader(3, 2, 2, 2, 2);

        Ack(leader, 2, 3);

        leader.CommitIndex.ShouldBe(3, "Figure 2: commitIndex becomes the highest N held by a majority, not just one step further.");
    }

    [Fact]
    public void The_commit_takes_the_index_a_majority_holds_not_the_highest_one_acknowledged()
    {
        var leader = Leader(5, 2, 2, 2, 2);

        Ack(leader, 2, 3);
        Ack(leader, 3, 1);

        leader.CommitIndex.ShouldBe(1, "§5.3: index 3 is on 2 of 5 servers, index 1 on 3 of 5: only index 1 is committed.");
    }

    [Fact]
    public void The_leaders_commitIndex_never_goes_down()
    {
        var leader = Leader(3, 2, 2, 2, 2);
        Ack(leader, 2, 3);
        leader.CommitIndex.ShouldBe(3, "§5.3: node 2 holds all three entries; with the leader's copy that is a majority of 3.");

        Ack(leader, 3, 1);
        leader.AdvanceCommitIndex();

        leader.CommitIndex.ShouldBe(3, "Figure 2: commitIndex increases monotonically; another acknowledgement of a lower index must not lower it.");
    }

    [Fact]
    public void A_majority_is_more_than_half_of_the_whole_cluster()
    {
        // Cluster size, and the followers whose acknowledgements make a majority with the leader's own copy.
        foreach (var (size, acksNeeded) in new[] { (1, 0), (2, 1), (3, 1), (4, 2), (5, 2), (6, 3), (7, 3) })
        {
            var leader = Leader(size, 2, 2);
            for (var peer = 2; peer < 2 + acksNeeded - 1; peer++)
            {
                Ack(leader, peer, 1);
            }
            if (acksNeeded > 0)
            {
                leader.CommitIndex.ShouldBe(0, $"§5.3: in a cluster of {size}, the leader and {acksNeeded - 1} follower(s) are not a majority.");
                Ack(leader, 1 + acksNeeded, 1);
            }
            else
            {
                leader.AdvanceCommitIndex();
            }
            leader.CommitIndex.ShouldBe(1, $"§5.3: in a cluster of {size}, the leader and {acksNeeded} follower(s) are a majority: the entry is committed.");
        }
    }

    [Fact]
    public void A_cluster_of_one_commits_on_submit()
    {
        var (node, _) = Standalone.Node(id: 1, clusterSize: 1);
        node.ForceLeader(1);

        node.Submit(KeyValueStore.Put("x", "1"));

        node.CommitIndex.ShouldBe(1, "§5.3: alone, the leader is its own majority: an entry is committed as soon as it is appended.");
    }
}
