namespace Raft.Gate.Ch02;

// Figure 2, Rules for Servers, Candidates (§5.2): on conversion to candidate, start election: increment
// currentTerm, vote for self, reset election timer, send RequestVote RPCs to all other servers. If votes
// received from majority of servers: become leader. If AppendEntries RPC received from new leader: convert
// to follower.
public sealed class CandidateTests
{
    [Fact]
    public void Starting_an_election_increments_the_term_votes_for_itself_and_asks_every_peer()
    {
        var (node, sent) = Standalone.Node(id: 2, clusterSize: 5);
        node.CurrentTerm = 3;
        node.Log.AddRange([new LogEntry(1, "a"), new LogEntry(3, "b")]);

        node.StartElection();

        node.CurrentTerm.ShouldBe(4, "§5.2: a candidate increments its current term.");
        node.Role.ShouldBe(Role.Candidate, "Figure 2, Candidates: a node that starts an election becomes a candidate.");
        node.VotedFor.ShouldBe(2, "§5.2: a candidate votes for itself.");
        var requests = sent.SentOf<RequestVote>();
        requests.Select(r => r.To).Order().ToArray().ShouldBe(new[] { 1, 3, 4, 5 }, "§5.2: RequestVote goes to every other server.");
        foreach (var (_, r) in requests)
        {
            r.Term.ShouldBe(4, "§5.2: RequestVote carries the candidate's new term.");
            r.CandidateId.ShouldBe(2, "Figure 2: RequestVote names the candidate.");
            r.LastLogIndex.ShouldBe(2, "§5.4.1: the request carries the candidate's last log index...");
            r.LastLogTerm.ShouldBe(3, "...and the term of its last entry, not its current term.");
        }
    }

    [Fact]
    public void A_majority_of_the_whole_cluster_makes_a_candidate_leader()
    {
        var (node, _) = Standalone.Node(id: 1, clusterSize: 5);
        node.StartElection();

        node.Dispatch(new Envelope(2, 1, new RequestVoteReply(1, VoteGranted: true)));
        node.Role.ShouldBe(Role.Candidate, "Two votes of five (its own and node 2's) are not a majority.");
        node.Dispatch(new Envelope(3, 1, new RequestVoteReply(1, VoteGranted: false)));
        node.Role.ShouldBe(Role.Candidate, "A denied vote is not a vote.");
        node.Dispatch(new Envelope(4, 1, new RequestVoteReply(1, VoteGranted: true)));

        node.Role.ShouldBe(Role.Leader, "§5.2: three votes of five are a majority.");
        node.LeaderId.ShouldBe(1, "A leader knows the leader of its term: itself.");
    }

    [Fact]
    public void A_new_leader_sends_heartbeats_at_once()
    {
        var (node, sent) = Standalone.Node(id: 1, clusterSize: 3);
        node.StartElection();
        sent.Clear();

        node.Dispatch(new Envelope(2, 1, new RequestVoteReply(1, VoteGranted: true)));

        node.Role.ShouldBe(Role.Leader, "§5.2: in a cluster of three, its own vote and one more are a majority.");
        sent.SentOf<AppendEntries>().Select(a => a.To).Order().ToArray().ShouldBe(new[] { 2, 3 },
            "§5.2: a new leader sends heartbeats to all other servers at once, to establish its authority and stop new elections.");
    }

    [Fact]
    public void A_duplicated_vote_counts_once()
    {
        var (node, _) = Standalone.Node(id: 1, clusterSize: 5);
        node.StartElection();

        node.Dispatch(new Envelope(2, 1, new RequestVoteReply(1, VoteGranted: true)));
        node.Dispatch(new Envelope(2, 1, new RequestVoteReply(1, VoteGranted: true)));

        node.Role.ShouldBe(Role.Candidate, "The network may duplicate a reply; node 2's vote counts once, so two of five is no majority.");
    }

    [Fact]
    public void Votes_from_an_older_election_are_ignored()
    {
        var (node, _) = Standalone.Node(id: 1, clusterSize: 3);
        node.StartElection();  // term 1
        node.StartElection();  // timed out again: term 2

        node.Dispatch(new Envelope(2, 1, new RequestVoteReply(1, VoteGranted: true)));

        node.Role.ShouldBe(Role.Candidate, "A vote granted in term 1 says nothing about term 2; counting it could make two leaders.");
        node.CurrentTerm.ShouldBe(2, "A stale vote changes nothing, the term included.");
    }

    [Fact]
    public void A_vote_reply_with_a_newer_term_makes_a_candidate_step_down()
    {
        var (node, _) = Standalone.Node(id: 1, clusterSize: 3);
        node.StartElection();

        node.Dispatch(new Envelope(3, 1, new RequestVoteReply(7, VoteGranted: false)));

        node.Role.ShouldBe(Role.Follower, "§5.1: a reply with a higher term makes a candidate a follower.");
        node.CurrentTerm.ShouldBe(7, "§5.1: the candidate adopts the higher term of the reply.");
    }

    [Fact]
    public void A_candidate_steps_down_when_it_hears_from_the_leader_of_its_term()
    {
        var (node, _) = Standalone.Node(id: 1, clusterSize: 3);
        node.StartElection();
        node.Role.ShouldBe(Role.Candidate, "§5.2: starting an election makes the node a candidate.");

        node.Dispatch(new Envelope(2, 1, new AppendEntries(1, 2, 0, 0, [], 0)));

        node.Role.ShouldBe(Role.Follower, "§5.2: a candidate that receives AppendEntries from a leader of its own term recognises it.");
        node.LeaderId.ShouldBe(2, "Figure 2: the candidate that steps down remembers who leads, to redirect clients.");
        node.CurrentTerm.ShouldBe(1, "Hearing from the leader of its own term does not change the candidate's term.");
    }

    [Fact]
    public void A_one_node_cluster_elects_itself()
    {
        var (node, _) = Standalone.Node(id: 1, clusterSize: 1);

        node.StartElection();

        node.Role.ShouldBe(Role.Leader, "§5.2: one vote of one is a majority, so a one-node cluster elects itself at once.");
    }

    [Fact]
    public void Election_timeouts_are_drawn_between_the_minimum_and_the_maximum()
    {
        var timeouts = Enumerable.Range(1, 50).Select(id => Standalone.Node(id: id, clusterSize: 50).Node.NextElectionTimeout()).ToList();
        var options = new RaftOptions();

        timeouts.Min().ShouldBeGreaterThanOrEqualTo(options.ElectionTimeoutMin, "§5.2: every election timeout lies between ElectionTimeoutMin and ElectionTimeoutMax: the shortest drawn is:");
        timeouts.Max().ShouldBeLessThanOrEqualTo(options.ElectionTimeoutMax, "§5.2: every election timeout lies between ElectionTimeoutMin and ElectionTimeoutMax: the longest drawn is:");
        timeouts.Distinct().Count().ShouldBeGreaterThan(40, "§5.2: randomized timeouts spread the nodes out, so one usually times out first and wins.");
        (timeouts.Max() - timeouts.Min()).ShouldBeGreaterThan(TimeSpan.FromMilliseconds(150), "The timeouts should use the whole range.");
    }
}
