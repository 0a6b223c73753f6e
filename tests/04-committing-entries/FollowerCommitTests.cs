namespace Raft.Gate.Ch04;

// Figure 2, AppendEntries receiver implementation, rule 5: "If leaderCommit > commitIndex, set
// commitIndex = min(leaderCommit, index of last new entry)."
public sealed class FollowerCommitTests
{
    private static RaftNode Follower(params long[] logTerms)
    {
        var (node, _) = Standalone.Node(id: 2, clusterSize: 3);
        node.Log.AddRange(logTerms.Select((t, i) => new LogEntry(t, $"put k{i + 1} old")));
        node.CurrentTerm = logTerms.DefaultIfEmpty(1).Max();
        return node;
    }

    private static void Receive(RaftNode node, long term, long prevIndex, long prevTerm, long leaderCommit, params long[] entryTerms) =>
        node.Dispatch(new Envelope(1, node.Id, new AppendEntries(term, 1, prevIndex, prevTerm,
            entryTerms.Select((t, i) => new LogEntry(t, $"put k{prevIndex + i + 1} new")).ToArray(), leaderCommit)));

    [Fact]
    public void A_follower_commits_up_to_the_leaders_commitIndex()
    {
        var node = Follower();

        Receive(node, 1, 0, 0, 2, 1, 1, 1);

        node.CommitIndex.ShouldBe(2, "Figure 2, AppendEntries rule 5: the follower takes leaderCommit (2) when it holds that much of the leader's log.");
    }

    [Fact]
    public void A_follower_commits_no_further_than_the_entries_the_request_vouched_for()
    {
        // Entries 3 and 4 are a deposed leader's (term 2); the leader of term 3 has other entries there, committed.
        var node = Follower(1, 1, 2, 2);

        Receive(node, 3, 2, 1, 4);

        node.CommitIndex.ShouldBe(2, "Figure 2, AppendEntries rule 5: commitIndex = min(leaderCommit, index of last new entry). This heartbeat vouched only " +
            "for entries up to prevLogIndex 2; entries 3 and 4 are a deposed leader's and differ from the leader's, so committing them would apply the wrong commands.");
    }

    [Fact]
    public void A_heartbeat_commits_what_the_follower_already_holds()
    {
        var node = Follower();
        Receive(node, 1, 0, 0, 0, 1, 1, 1);

        Receive(node, 1, 3, 1, 3);

        node.CommitIndex.ShouldBe(3, "Figure 2, AppendEntries rule 5: a heartbeat whose prevLogIndex matches the follower's last entry vouches for the whole log; it commits up to leaderCommit.");
    }

    [Fact]
    public void A_late_request_with_an_older_leaderCommit_does_not_lower_commitIndex()
    {
        var node = Follower();
        Receive(node, 1, 0, 0, 3, 1, 1, 1);

        Receive(node, 1, 0, 0, 1, 1);

        node.CommitIndex.ShouldBe(3, "Figure 2: commitIndex increases monotonically; a delayed AppendEntries carries an older leaderCommit, which must not lower it.");
    }

    [Fact]
    public void A_late_request_that_vouches_for_less_than_is_committed_does_not_lower_commitIndex()
    {
        // The follower holds 6 entries and knows 4 are committed; then an older request arrives late (the network reorders)
        // or a leader that backed up its nextIndex resends the start of the log: it vouches for entries 1 and 2 only, and
        // its leaderCommit (5) is above this node's commitIndex. Read as "if leaderCommit > commitIndex, set commitIndex =
        // min(leaderCommit, last new entry)", it would set commitIndex to 2.
        var node = Follower();
        Receive(node, 1, 0, 0, 4, 1, 1, 1, 1, 1, 1);
        node.CommitIndex.ShouldBe(4, "Figure 2, AppendEntries rule 5: the follower takes leaderCommit (4): it holds that much of the leader's log.");

        Receive(node, 1, 0, 0, 5, 1, 1);

        node.CommitIndex.ShouldBe(4, "Figure 2: commitIndex increases monotonically. A late request that vouches only for entries 1 and 2 takes nothing " +
            "away from what is known committed (4), even though its leaderCommit (5) is higher; commitIndex may only rise, to min(leaderCommit, last new entry) when that is higher.");
        node.Log.Count.ShouldBe(6, "§5.3: the late request's entries are already held, so nothing after them is deleted.");
    }

    [Fact]
    public void A_duplicated_request_commits_what_it_vouches_for_though_it_appends_nothing()
    {
        var node = Follower();
        Receive(node, 1, 0, 0, 0, 1, 1, 1);
        node.CommitIndex.ShouldBe(0, "leaderCommit 0: nothing is known committed yet.");

        // The same entries again (a duplicate, or the leader's retry after a lost reply), now with leaderCommit 3.
        Receive(node, 1, 0, 0, 3, 1, 1, 1);

        node.CommitIndex.ShouldBe(3, "Figure 2, AppendEntries rule 5: the request vouches for entries 1 to 3 (prevLogIndex 0 and three entries), which this " +
            "follower holds; the last new entry is index 3 whether or not this request appended it, so commitIndex becomes min(3, 3).");
    }

    [Fact]
    public void Commit_advances_over_a_stream_of_requests_from_one_leader_and_never_falls()
    {
        // Replies and requests cross: the leader sends batches and heartbeats as its commitIndex rises, and the network
        // delivers some of them twice and late. After each delivery, commitIndex is the most any request so far proved.
        var node = Follower();
        (long Prev, int Entries, long LeaderCommit)[] stream =
        [
            (0, 2, 0), (2, 2, 1), (0, 2, 1), (4, 2, 3), (2, 2, 4), (6, 0, 4), (0, 2, 6), (6, 0, 6), (4, 2, 6),
        ];
        var expected = 0L;
        var held = 0L;
        var steps = 0;
        foreach (var (prev, entries, leaderCommit) in stream)
        {
            Receive(node, 1, prev, prev == 0 ? 0 : 1, leaderCommit, Enumerable.Repeat(1L, entries).ToArray());
            held = Math.Max(held, prev + entries);
            expected = Math.Max(expected, Math.Min(leaderCommit, prev + entries));
            node.CommitIndex.ShouldBe(expected, $"After the request with prevLogIndex {prev}, {entries} entries and leaderCommit {leaderCommit}: " +
                "commitIndex is the highest min(leaderCommit, prevLogIndex + entries) seen so far (Figure 2, AppendEntries rule 5; commitIndex never falls).");
            node.Log.Count.ShouldBe((int)held, "§5.3: entries already held are kept; a late request deletes nothing.");
            steps++;
        }
        steps.ShouldBe(stream.Length, "every request of the stream was delivered");
    }

    [Fact]
    public void A_rejected_request_commits_nothing()
    {
        var node = Follower();
        Receive(node, 1, 0, 0, 1, 1, 1);
        node.CommitIndex.ShouldBe(1, "Figure 2, AppendEntries rule 5: the follower takes leaderCommit 1.");

        Receive(node, 2, 2, 2, 5);

        node.CommitIndex.ShouldBe(1, "§5.3: a request that fails the consistency check (index 2 is of term 1, not 2) proves nothing about this log; commit nothing from it.");
    }

    [Fact]
    public void A_request_from_an_old_term_commits_nothing()
    {
        var node = Follower();
        Receive(node, 3, 0, 0, 1, 3, 3);
        node.CommitIndex.ShouldBe(1, "Figure 2, AppendEntries rule 5: the follower takes leaderCommit 1 from the leader of term 3.");

        Receive(node, 2, 2, 3, 2);

        node.CommitIndex.ShouldBe(1, "Figure 2, AppendEntries rule 1: a request from an older term is refused, leaderCommit included.");
    }
}
