using Raft.Simulation;

namespace Raft.Gate.Ch03;

// Figure 2, AppendEntries RPC, receiver implementation:
// 1. Reply false if term < currentTerm (§5.1)
// 2. Reply false if log doesn't contain an entry at prevLogIndex whose term matches prevLogTerm (§5.3)
// 3. If an existing entry conflicts with a new one (same index but different terms), delete the existing
//    entry and all that follow it (§5.3)
// 4. Append any new entries not already in the log
public sealed class AppendEntriesHandlerTests
{
    private static (RaftNode Node, RecordingTransport Sent) Follower(long term, params long[] logTerms)
    {
        var (node, sent) = Standalone.Node(id: 2, clusterSize: 3);
        node.CurrentTerm = term;
        node.Log.AddRange(logTerms.Select((t, i) => new LogEntry(t, $"old{i + 1}")));
        return (node, sent);
    }

    private static AppendEntriesReply Append(RaftNode node, RecordingTransport sent, long term, long prevIndex, long prevTerm, params LogEntry[] entries)
    {
        sent.Clear();
        node.Dispatch(new Envelope(1, node.Id, new AppendEntries(term, 1, prevIndex, prevTerm, entries, 0)));
        var reply = sent.SentOf<AppendEntriesReply>().ShouldHaveSingleItem("Every AppendEntries gets exactly one reply.");
        reply.To.ShouldBe(1, "Figure 2: the reply goes back to the leader that sent the AppendEntries.");
        return reply.Message;
    }

    private static long[] Terms(RaftNode node) => node.Log.Select(e => e.Term).ToArray();

    [Fact]
    public void A_request_whose_prevLogIndex_is_past_the_end_is_rejected()
    {
        var (node, sent) = Follower(2, 1, 1);

        var reply = Append(node, sent, 2, prevIndex: 5, prevTerm: 2, new LogEntry(2, "x"));

        reply.Success.ShouldBeFalse("Figure 2, rule 2 (§5.3): the follower has no entry at index 5.");
        reply.ConflictIndex.ShouldBe(3, "Fast backup (§5.3): the leader should continue right after the follower's last entry.");
        reply.ConflictTerm.ShouldBe(0, "Fast backup (§5.3): with no entry at prevLogIndex there is no conflicting term to name.");
        node.Log.Count.ShouldBe(2, "A rejected request changes nothing.");
    }

    [Fact]
    public void A_request_whose_prevLogTerm_differs_is_rejected_with_the_conflicting_term()
    {
        var (node, sent) = Follower(5, 1, 2, 2, 2);

        var reply = Append(node, sent, 5, prevIndex: 4, prevTerm: 3, new LogEntry(5, "x"));

        reply.Success.ShouldBeFalse("Figure 2, rule 2 (§5.3): the entry at prevLogIndex 4 has term 2, not 3.");
        reply.ConflictTerm.ShouldBe(2, "Fast backup (§5.3): the reply names the follower's term at prevLogIndex...");
        reply.ConflictIndex.ShouldBe(2, "...and the first index holding that term, so the leader can skip the whole term at once.");
        Terms(node).ShouldBe([1, 2, 2, 2], "A rejected request changes nothing.");
    }

    [Fact]
    public void A_heartbeat_is_checked_like_any_AppendEntries()
    {
        var (node, sent) = Follower(3, 1, 1);

        Append(node, sent, 3, prevIndex: 2, prevTerm: 2).Success.ShouldBeFalse(
            "§5.3: the consistency check applies to every AppendEntries; a heartbeat with no entries whose prevLogTerm does not match must fail.");
        Append(node, sent, 3, prevIndex: 4, prevTerm: 1).Success.ShouldBeFalse(
            "§5.3: a heartbeat pointing past the end of the log must fail too.");
        Append(node, sent, 3, prevIndex: 2, prevTerm: 1).Success.ShouldBeTrue("§5.3: a heartbeat that matches succeeds.");
    }

    [Fact]
    public void Matching_entries_are_appended_and_the_reply_says_how_far_they_reach()
    {
        var (node, sent) = Follower(2, 1);

        var reply = Append(node, sent, 2, prevIndex: 1, prevTerm: 1, new LogEntry(2, "a"), new LogEntry(2, "b"));

        reply.Success.ShouldBeTrue("§5.3: prevLogIndex 1 and prevLogTerm 1 match.");
        reply.MatchIndex.ShouldBe(3, "§5.3: the request covered indexes 2 and 3, so the follower matches the leader up to 3.");
        node.Log.ShouldBe([new LogEntry(1, "old1"), new LogEntry(2, "a"), new LogEntry(2, "b")], "Figure 2, rule 4 (§5.3): new entries are appended.");
    }

    [Fact]
    public void Only_entries_from_the_first_real_conflict_are_deleted()
    {
        var (node, sent) = Follower(3, 1, 1, 1, 2, 2);

        var reply = Append(node, sent, 3, prevIndex: 2, prevTerm: 1, new LogEntry(1, "old3"), new LogEntry(3, "new4"));

        reply.Success.ShouldBeTrue("§5.3: entries 1-2 match, so the request succeeds.");
        Terms(node).ShouldBe([1, 1, 1, 3], "Figure 2, rule 3 (§5.3): index 3 agrees, so it stays; index 4 conflicts, so it and everything after it go; then the new entry is appended.");
        node.Log[3].ShouldBe(new LogEntry(3, "new4"), "Figure 2, rule 4 (§5.3): the leader's entry takes the place of the conflicting one.");
    }

    [Fact]
    public void A_late_duplicate_of_an_old_request_never_truncates_newer_entries()
    {
        var (node, sent) = Follower(2, 1, 2, 2);

        var reply = Append(node, sent, 2, prevIndex: 1, prevTerm: 1, new LogEntry(2, "old2"));

        reply.Success.ShouldBeTrue("§5.3: the request matches at index 1.");
        Terms(node).ShouldBe([1, 2, 2], "Figure 2, rule 3 deletes only on a conflict: a delayed or duplicated request for entries the follower already holds must not cut off the newer ones.");
        reply.MatchIndex.ShouldBe(2, "§5.3: the reply covers what the request carried (index 2), not the follower's whole log.");
    }

    [Fact]
    public void The_reply_matchIndex_is_what_the_request_covered_not_the_log_length()
    {
        var (node, sent) = Follower(4, 1, 1, 1, 1);

        var reply = Append(node, sent, 4, prevIndex: 1, prevTerm: 1);

        reply.Success.ShouldBeTrue("§5.3: the entry at prevLogIndex 1 has term 1, so the heartbeat succeeds.");
        reply.MatchIndex.ShouldBe(1, "§5.3: a heartbeat at prevLogIndex 1 proves agreement up to index 1 only; the follower's entries 2-4 may yet conflict with the leader's.");
        node.Log.Count.ShouldBe(4, "Figure 2, rule 3: a heartbeat deletes nothing; only a conflicting entry is removed.");
    }

    [Fact]
    public void A_negative_prevLogIndex_is_rejected_without_touching_the_log()
    {
        var (node, sent) = Follower(2, 1, 1);

        var reply = Append(node, sent, 2, prevIndex: -3, prevTerm: 0, new LogEntry(2, "x"));

        reply.Success.ShouldBeFalse("Log indexes start at 1 (Figure 2, §5.3): a request before index 0 is malformed and must not change the log.");
        Terms(node).ShouldBe([1, 1], "A malformed request must not change the log.");
    }

    [Fact]
    public void A_follower_appends_entries_to_an_empty_log()
    {
        var (node, sent) = Follower(1);

        var reply = Append(node, sent, 1, prevIndex: 0, prevTerm: 0, new LogEntry(1, "first"));

        reply.Success.ShouldBeTrue("§5.3: prevLogIndex 0 always matches: there is nothing before the first entry.");
        node.Log.ShouldBe([new LogEntry(1, "first")], "Figure 2, rule 4 (§5.3): the entry is appended.");
        reply.MatchIndex.ShouldBe(1, "§5.3: the reply covers what the request carried: index 1.");
    }
}
