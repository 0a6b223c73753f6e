using Raft.Simulation;

namespace Raft.Gate.Ch03;

// Figure 2, Rules for Servers, Leaders (§5.3): append a client's command to the local log; send
// AppendEntries with entries starting at nextIndex; on success update nextIndex and matchIndex; on a
// consistency-check failure decrement nextIndex (here: back up a whole term at once) and retry.
public sealed class LeaderReplicationTests
{
    private static (RaftNode Leader, RecordingTransport Sent) Leader(long term, params long[] logTerms)
    {
        var (node, sent) = Standalone.Node(id: 1, clusterSize: 3);
        node.Log.AddRange(logTerms.Select((t, i) => new LogEntry(t, $"c{i + 1}")));
        node.ForceLeader(term);
        sent.Clear();
        return (node, sent);
    }

    private static void Reply(RaftNode leader, int from, AppendEntriesReply reply) => leader.Dispatch(new Envelope(from, 1, reply));

    [Fact]
    public void Submit_on_the_leader_appends_the_command_and_says_where_it_went()
    {
        var (leader, sent) = Leader(2, 1, 1);

        var result = leader.Submit("x=1");

        result.Accepted.ShouldBeTrue("§5.3: the leader accepts client commands.");
        result.Index.ShouldBe(3, "The command goes to the end of the leader's log.");
        result.Term.ShouldBe(2, "§5.3: entries are stamped with the leader's current term.");
        leader.Log[^1].ShouldBe(new LogEntry(2, "x=1"), "§5.3: the leader appends the command to its own log, in its current term.");
        sent.SentOf<AppendEntries>().Select(a => a.To).Order().ToArray().ShouldBe(new[] { 2, 3 }, "§5.3: the leader sends the new entry to its followers.");
    }

    [Fact]
    public void Submit_on_a_follower_is_refused_with_the_leader_it_knows()
    {
        var (node, _) = Standalone.Node(id: 2, clusterSize: 3);
        node.Dispatch(new Envelope(1, 2, new AppendEntries(1, 1, 0, 0, [], 0)));

        var result = node.Submit("x=1");

        result.Accepted.ShouldBeFalse("§8: only the leader accepts commands.");
        result.LeaderHint.ShouldBe(1, "§8: a follower redirects the client to the leader it has heard from.");
        node.Log.ShouldBeEmpty("A refused command must not be appended anywhere.");
    }

    [Fact]
    public void A_new_leader_starts_nextIndex_after_its_log_and_matchIndex_at_zero()
    {
        var (leader, _) = Leader(3, 1, 2, 2);

        leader.NextIndex.GetValueOrDefault(2).ShouldBe(4, "Figure 2 (§5.3): nextIndex is initialized to leader last log index + 1.");
        leader.MatchIndex.ShouldContainKeyAndValue(2, 0L, "Figure 2 (§5.3): matchIndex is initialized to 0.");
        leader.NextIndex.GetValueOrDefault(3).ShouldBe(4, "§5.3: every follower gets a nextIndex.");
    }

    [Fact]
    public void AppendEntries_carries_the_entries_from_nextIndex_after_the_entry_before_them()
    {
        var (leader, sent) = Leader(3, 1, 2, 2, 3);
        leader.NextIndex[2] = 2;

        leader.SendAppendEntries(2);

        var request = sent.SentOf<AppendEntries>().ShouldHaveSingleItem("One call of SendAppendEntries sends one AppendEntries.").Message;
        request.PrevLogIndex.ShouldBe(1, "§5.3: prevLogIndex is the index just before the first entry sent.");
        request.PrevLogTerm.ShouldBe(1, "§5.3: prevLogTerm is that entry's term.");
        request.Entries.Select(e => e.Command).ToArray().ShouldBe(new[] { "c2", "c3", "c4" }, "Figure 2: send log entries starting at nextIndex.");
        request.Term.ShouldBe(3, "Figure 2: AppendEntries carries the leader's current term.");
    }

    [Fact]
    public void A_success_advances_matchIndex_to_what_the_request_covered()
    {
        var (leader, _) = Leader(2, 1, 1, 2);

        Reply(leader, 2, new AppendEntriesReply(2, Success: true, MatchIndex: 2));

        leader.MatchIndex.GetValueOrDefault(2).ShouldBe(2, "Figure 2 (§5.3): on success, matchIndex becomes the last index the request covered.");
        leader.NextIndex.GetValueOrDefault(2).ShouldBe(3, "...and nextIndex the one after it.");
    }

    [Fact]
    public void A_late_success_never_moves_matchIndex_back()
    {
        var (leader, _) = Leader(2, 1, 1, 2);
        Reply(leader, 2, new AppendEntriesReply(2, Success: true, MatchIndex: 3));

        Reply(leader, 2, new AppendEntriesReply(2, Success: true, MatchIndex: 1));

        leader.MatchIndex.GetValueOrDefault(2).ShouldBe(3, "Figure 2 (§5.3): matchIndex increases monotonically; a reply that arrives late or twice must not lower it.");
        leader.NextIndex.GetValueOrDefault(2).ShouldBe(4, "§5.3: nextIndex follows matchIndex: the entry after the last one matched.");
    }

    [Fact]
    public void A_rejection_backs_up_past_the_followers_whole_conflicting_term()
    {
        var (leader, sent) = Leader(6, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6);
        leader.NextIndex.GetValueOrDefault(2).ShouldBe(11, "§5.3: a new leader starts nextIndex after its last entry.");

        // The follower holds term 2 at index 10 where the leader has 6; its term 2 starts at index 2; the leader has no term 2.
        Reply(leader, 2, new AppendEntriesReply(6, Success: false, ConflictIndex: 2, ConflictTerm: 2));
        leader.NextIndex.GetValueOrDefault(2).ShouldBe(2, "§5.3 fast backup: the leader has no entry of term 2, so it jumps to where the follower's term 2 begins.");

        // Another follower conflicts with term 4 starting at 3; the leader's last term-4 entry is index 5.
        Reply(leader, 3, new AppendEntriesReply(6, Success: false, ConflictIndex: 3, ConflictTerm: 4));
        leader.NextIndex.GetValueOrDefault(3).ShouldBe(6, "§5.3 fast backup: the leader has term 4, so it continues after its own last entry of term 4.");

        sent.SentOf<AppendEntries>().Select(a => a.To).ShouldBe([2, 3], "After a rejection the leader retries at once with the new nextIndex.");
    }

    [Fact]
    public void A_rejection_for_a_short_log_backs_up_to_just_after_it()
    {
        var (leader, _) = Leader(2, 1, 1, 2, 2);

        Reply(leader, 2, new AppendEntriesReply(2, Success: false, ConflictIndex: 2, ConflictTerm: 0));

        leader.NextIndex.GetValueOrDefault(2).ShouldBe(2, "§5.3: the follower's log ends at index 1, so the leader continues from 2.");
    }

    [Fact]
    public void Replies_from_an_older_term_are_ignored()
    {
        var (leader, _) = Leader(5, 1, 1, 3);

        Reply(leader, 2, new AppendEntriesReply(4, Success: true, MatchIndex: 3));
        Reply(leader, 3, new AppendEntriesReply(4, Success: false, ConflictIndex: 1, ConflictTerm: 0));

        leader.MatchIndex.GetValueOrDefault(2).ShouldBe(0, "§5.3: a reply to a request of an older term says nothing about this term's log.");
        leader.NextIndex.GetValueOrDefault(3).ShouldBe(4, "§5.3: a stale rejection must not move nextIndex either.");

        Reply(leader, 2, new AppendEntriesReply(5, Success: true, MatchIndex: 3));
        leader.MatchIndex.GetValueOrDefault(2).ShouldBe(3, "§5.3: the same reply in the current term does count.");
    }

    [Fact]
    public void A_new_term_of_leadership_starts_matchIndex_at_zero_with_nothing_in_flight()
    {
        var (leader, _) = Leader(2, 1, 1);
        Reply(leader, 2, new AppendEntriesReply(2, Success: true, MatchIndex: 2));
        leader.MatchIndex.GetValueOrDefault(2).ShouldBe(2, "§5.3: a success moves matchIndex to what the request covered.");
        leader.SendAppendEntries(3);

        leader.Dispatch(new Envelope(3, 1, new AppendEntriesReply(3, Success: false)));
        leader.Role.ShouldBe(Role.Follower, "§5.1: a reply with a newer term makes the leader step down.");
        leader.ForceLeader(4);

        leader.MatchIndex.GetValueOrDefault(2, -1).ShouldBe(0,
            "Figure 2: matchIndex is reinitialized to 0 after every election. In term 3 another leader may have overwritten what node 2 held, so nothing is known of it in term 4.");
        leader.Peers.Where(p => !leader.NothingInFlight(p)).ShouldBeEmpty(
            "A new term has nothing in flight: the old term's requests no longer count, so the record of what was sent must start empty too.");
    }

    [Fact]
    public void A_follower_far_behind_gets_at_most_MaxEntriesPerMessage_entries_at_a_time_and_the_next_batch_at_once()
    {
        var (leader, sent) = Leader(1, Enumerable.Repeat(1L, 200).ToArray());
        leader.NextIndex[2] = 1;

        leader.SendAppendEntries(2);
        var first = sent.SentOf<AppendEntries>().ShouldHaveSingleItem("One call sends one AppendEntries.").Message;
        first.Entries.Count.ShouldBe(RaftNode.MaxEntriesPerMessage,
            $"§5.3: a follower 200 entries behind gets them in messages of at most {RaftNode.MaxEntriesPerMessage}, not the whole log in one message.");

        sent.Clear();
        Reply(leader, 2, new AppendEntriesReply(1, Success: true, MatchIndex: RaftNode.MaxEntriesPerMessage));
        var next = sent.SentOf<AppendEntries>().Where(a => a.To == 2).Select(a => a.Message).ToList();
        next.Select(a => a.PrevLogIndex).ShouldBe([RaftNode.MaxEntriesPerMessage],
            "§5.3: after a success, a follower that still lacks entries gets the next batch at once, not a heartbeat interval later; otherwise catching up 200 entries takes seconds.");
    }

    [Fact]
    public void A_late_rejection_never_moves_nextIndex_to_or_below_what_is_matched()
    {
        var (leader, sent) = Leader(2, 1, 1, 1, 2, 2);
        Reply(leader, 2, new AppendEntriesReply(2, Success: true, MatchIndex: 5));
        sent.Clear();

        // The rejection of an earlier request, held back by the network, arrives after the success.
        Reply(leader, 2, new AppendEntriesReply(2, Success: false, ConflictIndex: 2, ConflictTerm: 0));

        leader.MatchIndex.GetValueOrDefault(2).ShouldBe(5, "Figure 2 (§5.3): matchIndex increases monotonically; a late rejection must not lower it.");
        leader.NextIndex.GetValueOrDefault(2).ShouldBeGreaterThan(5,
            "§5.3: nextIndex never goes back to entries the follower has acknowledged; a late rejection of an older request says nothing new.");
        sent.SentOf<AppendEntries>().Where(a => a.To == 2).ShouldBeEmpty(
            "A rejection that moves nothing is not retried at once (the next heartbeat retries it): answering every such rejection with the same request " +
            "starts an endless exchange with a follower that keeps rejecting it (§5.3).");
    }
}
