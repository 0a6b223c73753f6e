namespace Raft.Gate.Ch01;

// The inbox loop hands each message to Dispatch, which routes it by type (the walkthrough's
// handle_message). Every request gets its answer, sent back to whoever asked.
public sealed class DispatchTests
{
    [Fact]
    public void A_vote_request_is_answered_to_the_candidate()
    {
        var (node, sent) = Standalone.Node(id: 1);
        node.CurrentTerm = 2;

        node.Dispatch(new Envelope(3, 1, new RequestVote(2, 3, 0, 0)));

        var reply = sent.SentOf<RequestVoteReply>().ShouldHaveSingleItem("Figure 2: every RequestVote gets one RequestVoteReply.");
        reply.To.ShouldBe(3, "The reply goes back to the candidate that asked.");
        reply.Message.Term.ShouldBe(2, "Figure 2: the reply carries currentTerm, for the candidate to update itself.");
    }

    [Fact]
    public void A_heartbeat_is_answered_with_success_and_the_leader_is_remembered()
    {
        var (node, sent) = Standalone.Node(id: 2);

        node.Dispatch(new Envelope(1, 2, new AppendEntries(1, 1, 0, 0, [], 0)));

        var reply = sent.SentOf<AppendEntriesReply>().ShouldHaveSingleItem("Figure 2: every AppendEntries gets one reply.");
        reply.To.ShouldBe(1, "Figure 2: the reply goes back to the node that sent the AppendEntries.");
        reply.Message.Success.ShouldBeTrue("An empty log matches prevLogIndex 0, so a heartbeat from a current leader succeeds.");
        reply.Message.Term.ShouldBe(1, "Figure 2: the reply carries the follower's current term (1).");
        node.LeaderId.ShouldBe(1, "A follower remembers who leads its term, to redirect clients (Figure 2: leaderId).");
        node.CurrentTerm.ShouldBe(1, "The heartbeat's newer term was adopted first (§5.1).");
    }

    [Fact]
    public void A_stale_heartbeat_is_rejected_with_the_current_term()
    {
        var (node, sent) = Standalone.Node(id: 2);
        node.CurrentTerm = 5;

        node.Dispatch(new Envelope(1, 2, new AppendEntries(3, 1, 0, 0, [], 0)));

        var reply = sent.SentOf<AppendEntriesReply>().ShouldHaveSingleItem("Figure 2: every AppendEntries gets one reply, a stale one too.");
        reply.Message.Success.ShouldBeFalse("Figure 2, AppendEntries receiver rule 1: reply false if term < currentTerm.");
        reply.Message.Term.ShouldBe(5, "The stale leader learns the newer term from the reply and steps down.");
        node.LeaderId.ShouldBeNull("A stale leader is not this term's leader.");
        node.CurrentTerm.ShouldBe(5, "§5.1: a stale request never lowers this node's term.");
    }

    [Fact]
    public void An_unknown_message_gets_a_clear_error()
    {
        var (node, _) = Standalone.Node(id: 1);

        var error = Should.Throw<ArgumentException>(() => node.Dispatch(new Envelope(2, 1, new Gossip(0))));

        error.Message.ShouldContain(nameof(Gossip), Case.Sensitive, "The error names the message type it could not handle.");
    }

    [Fact]
    public void Send_heartbeats_sends_one_empty_AppendEntries_to_each_peer()
    {
        var (node, sent) = Standalone.Node(id: 2, clusterSize: 5);
        node.Log.AddRange([new LogEntry(1, "a"), new LogEntry(2, "b")]);
        node.CommitIndex = 1;
        node.ForceLeader(2);

        node.SendHeartbeats();

        var heartbeats = sent.SentOf<AppendEntries>();
        heartbeats.Select(h => h.To).Order().ToArray().ShouldBe(new[] { 1, 3, 4, 5 }, "§5.2: a heartbeat goes to every other server, never to the leader itself.");
        foreach (var (_, h) in heartbeats)
        {
            h.Entries.ShouldBeEmpty("§5.2: heartbeats are AppendEntries RPCs that carry no log entries.");
            h.Term.ShouldBe(2, "Figure 2: a heartbeat carries the leader's current term.");
            h.LeaderId.ShouldBe(2, "Figure 2: a heartbeat carries the leader's id.");
            h.PrevLogIndex.ShouldBe(2, "A heartbeat points at the leader's last entry, which followers check (§5.3).");
            h.PrevLogTerm.ShouldBe(2, "§5.3: a heartbeat's prevLogTerm is the term of the leader's last entry.");
            h.LeaderCommit.ShouldBe(1, "Heartbeats tell followers how far the leader has committed (Figure 2: leaderCommit).");
        }
    }

    private sealed record Gossip(long Term) : IMessage;
}
