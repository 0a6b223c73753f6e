namespace Raft.Gate.Ch02;

// Figure 2, RequestVote RPC, receiver implementation:
// 1. Reply false if term < currentTerm (§5.1).
// 2. If votedFor is null or candidateId, and candidate's log is at least as up-to-date as receiver's log,
//    grant vote (§5.2, §5.4).
public sealed class VoteRequestTests
{
    private static RequestVoteReply Ask(RaftNode node, Raft.Simulation.RecordingTransport sent, int candidate, long term, long lastLogIndex = 0, long lastLogTerm = 0)
    {
        sent.Clear();
        node.Dispatch(new Envelope(candidate, node.Id, new RequestVote(term, candidate, lastLogIndex, lastLogTerm)));
        var reply = sent.SentOf<RequestVoteReply>().ShouldHaveSingleItem("Every RequestVote gets exactly one reply.");
        reply.To.ShouldBe(candidate, "Figure 2: the reply goes back to the candidate that asked.");
        return reply.Message;
    }

    private static (RaftNode, Raft.Simulation.RecordingTransport) Voter(long term, params long[] logTerms)
    {
        var (node, sent) = Standalone.Node(id: 1, clusterSize: 5);
        node.CurrentTerm = term;
        node.Log.AddRange(logTerms.Select((t, i) => new LogEntry(t, $"c{i + 1}")));
        return (node, sent);
    }

    [Fact]
    public void The_first_up_to_date_candidate_of_a_term_gets_the_vote()
    {
        var (node, sent) = Voter(term: 2);

        var reply = Ask(node, sent, candidate: 3, term: 3);

        reply.VoteGranted.ShouldBeTrue("§5.2: a node that has not voted in this term votes for an up-to-date candidate.");
        reply.Term.ShouldBe(3, "Figure 2: the reply carries the voter's current term.");
        node.VotedFor.ShouldBe(3, "Figure 2: votedFor remembers the vote.");
    }

    [Fact]
    public void A_node_votes_at_most_once_per_term()
    {
        var (node, sent) = Voter(term: 2);
        Ask(node, sent, candidate: 3, term: 3).VoteGranted.ShouldBeTrue("§5.2: the first up-to-date candidate of a term gets the vote.");

        var second = Ask(node, sent, candidate: 4, term: 3);

        second.VoteGranted.ShouldBeFalse("§5.2: each server votes for at most one candidate in a given term; two votes could elect two leaders.");
        node.VotedFor.ShouldBe(3, "Figure 2: votedFor still names the first candidate of the term.");
    }

    [Fact]
    public void Granting_a_vote_restarts_the_election_timer_and_denying_does_not()
    {
        var clock = new ManualClock();
        var (node, sent) = Standalone.Node(id: 1, clusterSize: 5, clock: clock);
        node.CurrentTerm = 2;
        node.ResetElectionTimer();
        var before = node.ElectionDeadline;
        clock.Advance(TimeSpan.FromMilliseconds(250));

        Ask(node, sent, candidate: 3, term: 1).VoteGranted.ShouldBeFalse("Figure 2, RequestVote rule 1 (§5.1): a stale candidate is denied.");
        node.ElectionDeadline.ShouldBe(before, "Figure 2, Followers (§5.2): a denied request does not reset the election timer.");

        Ask(node, sent, candidate: 3, term: 2).VoteGranted.ShouldBeTrue("§5.2: the first up-to-date candidate of the term gets the vote.");
        node.ElectionDeadline.ShouldBeGreaterThanOrEqualTo(clock.GetUtcNow() + node.Options.ElectionTimeoutMin,
            "Figure 2, Followers (§5.2): granting a vote restarts the election timer, so the voter gives its candidate time to win.");
    }

    [Fact]
    public void The_same_candidate_asking_again_gets_the_vote_again()
    {
        var (node, sent) = Voter(term: 2);
        Ask(node, sent, candidate: 3, term: 3);

        Ask(node, sent, candidate: 3, term: 3).VoteGranted.ShouldBeTrue(
            "Figure 2 (§5.2): grant if votedFor is null or candidateId; a duplicated or retried request must get the same answer.");
    }

    [Fact]
    public void A_candidate_from_an_older_term_is_denied_and_told_the_current_term()
    {
        var (node, sent) = Voter(term: 5);

        var reply = Ask(node, sent, candidate: 3, term: 4);

        reply.VoteGranted.ShouldBeFalse("Figure 2, RequestVote rule 1: reply false if term < currentTerm.");
        reply.Term.ShouldBe(5, "The stale candidate learns the newer term from the reply.");
        node.VotedFor.ShouldBeNull("A denied request must not use up the vote of the current term.");
        Ask(node, sent, candidate: 4, term: 5).VoteGranted.ShouldBeTrue("...so a candidate of the current term still gets it (§5.2).");
    }

    [Fact]
    public void A_newer_term_frees_the_vote_given_in_an_older_term()
    {
        var (node, sent) = Voter(term: 2);
        Ask(node, sent, candidate: 3, term: 2);

        Ask(node, sent, candidate: 4, term: 3).VoteGranted.ShouldBeTrue(
            "A vote belongs to its term: in term 3 the node has not voted yet (§5.1 clears votedFor with the new term).");
        node.VotedFor.ShouldBe(4, "Figure 2: votedFor names the candidate voted for in term 3.");
    }

    [Fact]
    public void A_longer_log_with_an_older_last_term_is_not_up_to_date()
    {
        var (node, sent) = Voter(4, 1, 1, 3);

        var reply = Ask(node, sent, candidate: 2, term: 4, lastLogIndex: 5, lastLogTerm: 2);

        reply.VoteGranted.ShouldBeFalse("§5.4.1: logs are compared by the term of their last entries first; a longer log ending in an older term is less up to date.");
        Ask(node, sent, candidate: 4, term: 4, lastLogIndex: 3, lastLogTerm: 3).VoteGranted.ShouldBeTrue(
            "A candidate whose log ends like the voter's is up to date and gets the vote the stale one did not use (§5.4.1).");
    }

    [Fact]
    public void A_shorter_log_with_a_newer_last_term_is_up_to_date()
    {
        var (node, sent) = Voter(4, 1, 1, 1);

        var reply = Ask(node, sent, candidate: 2, term: 4, lastLogIndex: 1, lastLogTerm: 2);

        reply.VoteGranted.ShouldBeTrue("§5.4.1: if the last entries have different terms, the log with the later term is more up to date, whatever its length.");
    }

    [Fact]
    public void With_equal_last_terms_the_longer_log_is_more_up_to_date()
    {
        var (node, sent) = Voter(4, 1, 2, 2);

        Ask(node, sent, candidate: 2, term: 4, lastLogIndex: 2, lastLogTerm: 2).VoteGranted.ShouldBeFalse(
            "§5.4.1: with the same last term, a shorter log is less up to date.");
        Ask(node, sent, candidate: 3, term: 5, lastLogIndex: 3, lastLogTerm: 2).VoteGranted.ShouldBeTrue(
            "§5.4.1: with the same last term, an equally long log is at least as up to date.");
    }

    [Fact]
    public void The_up_to_date_check_compares_last_terms_before_lengths()
    {
        var (node, _) = Voter(4, 1, 2, 2);

        node.IsAtLeastAsUpToDate(lastLogTerm: 3, lastLogIndex: 1).ShouldBeTrue("§5.4.1: a later last term wins.");
        node.IsAtLeastAsUpToDate(lastLogTerm: 1, lastLogIndex: 9).ShouldBeFalse("§5.4.1: an earlier last term loses, however long.");
        node.IsAtLeastAsUpToDate(lastLogTerm: 2, lastLogIndex: 3).ShouldBeTrue("§5.4.1: same last term, same length: at least as up to date.");
        node.IsAtLeastAsUpToDate(lastLogTerm: 2, lastLogIndex: 2).ShouldBeFalse("§5.4.1: same last term, shorter: not.");
    }
}
