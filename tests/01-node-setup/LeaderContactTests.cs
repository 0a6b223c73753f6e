namespace Raft.Gate.Ch01;

// What hearing from a leader changes in a node, and what a newer term takes away (§5.1, §5.2). Each test here
// kills a mistake of the mutation suite (course/mutants/01-node-setup.json).
public sealed class LeaderContactTests
{
    [Fact]
    public void Hearing_from_the_leader_restarts_the_election_timer_and_a_stale_leader_does_not()
    {
        var clock = new ManualClock();
        var (node, _) = Standalone.Node(id: 2, clusterSize: 3, clock: clock);
        node.CurrentTerm = 2;
        node.ResetElectionTimer();
        var first = node.ElectionDeadline;
        clock.Advance(TimeSpan.FromMilliseconds(200));

        node.Dispatch(new Envelope(1, 2, new AppendEntries(1, 1, 0, 0, [], 0)));
        node.ElectionDeadline.ShouldBe(first,
            "§5.1: a request from an older term is refused, and must not hold off this node's election timer: its sender is no leader of this term.");

        node.Dispatch(new Envelope(3, 2, new AppendEntries(2, 3, 0, 0, [], 0)));
        var now = clock.GetUtcNow();
        (node.ElectionDeadline >= now + node.Options.ElectionTimeoutMin && node.ElectionDeadline <= now + node.Options.ElectionTimeoutMax).ShouldBeTrue(
            $"§5.2: hearing from the leader of its term restarts a follower's election timer, so it stays a follower while the leader lives. " +
            $"The deadline is {(node.ElectionDeadline - now).TotalMilliseconds:0} ms from now; it should be {node.Options.ElectionTimeoutMin.TotalMilliseconds:0} to {node.Options.ElectionTimeoutMax.TotalMilliseconds:0} ms.");
    }

    [Fact]
    public void A_leader_that_hears_from_a_leader_of_its_own_term_steps_down()
    {
        var (node, _) = Standalone.Node(id: 1, clusterSize: 3);
        node.ForceLeader(2);

        node.Dispatch(new Envelope(2, 1, new AppendEntries(2, 2, 0, 0, [], 0)));

        node.Role.ShouldBe(Role.Follower,
            "§5.2: a server that is not a follower (a candidate from chapter 2 on) and hears from the leader of its own term returns to follower.");
        node.LeaderId.ShouldBe(2, "Figure 2: the follower remembers leaderId, so it can redirect clients.");
    }

    [Fact]
    public void A_newer_term_forgets_the_old_terms_leader()
    {
        var (node, _) = Standalone.Node(id: 2, clusterSize: 3);
        node.Dispatch(new Envelope(1, 2, new AppendEntries(1, 1, 0, 0, [], 0)));
        node.LeaderId.ShouldBe(1, "§5.2: a follower remembers the leader it hears from.");

        node.Dispatch(new Envelope(3, 2, new RequestVote(2, 3, 0, 0)));

        node.LeaderId.ShouldBeNull(
            "§5.1: in a new term no leader is known until one is heard from; keeping the old one would send clients to a leader of a past term.");
    }
}
