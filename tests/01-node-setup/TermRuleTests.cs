namespace Raft.Gate.Ch01;

// Figure 2, Rules for Servers, All Servers: "If RPC request or response contains term T > currentTerm:
// set currentTerm = T, convert to follower (§5.1)."
public sealed class TermRuleTests
{
    [Fact]
    public void A_higher_term_is_adopted_and_clears_the_vote()
    {
        var (node, _) = Standalone.Node();
        node.CurrentTerm = 2;
        node.VotedFor = 3;

        node.ObserveTerm(5).ShouldBeTrue("ObserveTerm returns true when the term was newer.");

        node.CurrentTerm.ShouldBe(5, "§5.1: a node adopts any higher term it sees.");
        node.VotedFor.ShouldBeNull("Figure 2: votedFor belongs to a term; in a new term no vote is cast yet.");
        node.Role.ShouldBe(Role.Follower, "§5.1: a node that sees a newer term becomes a follower.");
    }

    [Fact]
    public void An_equal_term_keeps_the_vote()
    {
        var (node, _) = Standalone.Node();
        node.CurrentTerm = 2;
        node.VotedFor = 3;

        node.ObserveTerm(2).ShouldBeFalse("Only a term greater than currentTerm is news (§5.1).");

        node.CurrentTerm.ShouldBe(2, "§5.1: an equal term leaves currentTerm as it is.");
        node.VotedFor.ShouldBe(3, "Clearing votedFor on an equal term would let the node vote twice in one term (§5.2).");
    }

    [Fact]
    public void A_lower_term_changes_nothing()
    {
        var (node, _) = Standalone.Node();
        node.ForceLeader(4);

        node.ObserveTerm(3).ShouldBeFalse("§5.1: an older term is not news; a leader ignores it in ObserveTerm.");

        node.CurrentTerm.ShouldBe(4, "A term never goes back (Figure 2: currentTerm increases monotonically).");
        node.Role.ShouldBe(Role.Leader, "A message from an older term does not depose a leader (§5.1).");
    }

    [Fact]
    public void A_leader_steps_down_on_a_higher_term_in_a_request()
    {
        var (node, _) = Standalone.Node(id: 1);
        node.ForceLeader(3);

        node.Dispatch(new Envelope(2, 1, new AppendEntries(5, 2, 0, 0, [], 0)));

        node.Role.ShouldBe(Role.Follower, "§5.1: a leader that sees a higher term in a request becomes a follower.");
        node.CurrentTerm.ShouldBe(5, "§5.1: the leader adopts the higher term of the request.");
    }

    [Fact]
    public void A_leader_steps_down_on_a_higher_term_in_a_reply()
    {
        var (node, _) = Standalone.Node(id: 1);
        node.ForceLeader(3);

        node.Dispatch(new Envelope(2, 1, new AppendEntriesReply(7, false)));

        node.Role.ShouldBe(Role.Follower, "§5.1: the term rule holds for responses too, not only for requests.");
        node.CurrentTerm.ShouldBe(7, "§5.1: the leader adopts the higher term of the reply.");
        node.VotedFor.ShouldBeNull("Figure 2: in the new term this node has not voted yet.");
    }

    [Fact]
    public void A_vote_request_from_a_higher_term_makes_a_leader_step_down()
    {
        var (node, sent) = Standalone.Node(id: 1);
        node.ForceLeader(2);

        node.Dispatch(new Envelope(3, 1, new RequestVote(4, 3, 0, 0)));

        node.Role.ShouldBe(Role.Follower, "§5.1: any message with a higher term, a vote request included, demotes a leader.");
        node.CurrentTerm.ShouldBe(4, "§5.1: the leader adopts the higher term of the vote request.");
        sent.SentOf<RequestVoteReply>().ShouldHaveSingleItem("Figure 2: every RequestVote gets one reply.").Message.Term.ShouldBe(4,
            "The reply carries the term the node adopted before answering.");
    }
}
