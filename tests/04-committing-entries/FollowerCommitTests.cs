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
