using Raft.Simulation;

namespace Raft.Gate.Ch02;

// Clusters electing their own leader on simulated time, many seeds each (MIT 6.5840's 3A scenarios,
// deterministic). The simulator checks Election Safety (one leader per term) after every step.
public sealed class ElectionClusterTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void An_initial_election_elects_one_leader_that_every_node_follows()
    {
        Scenario.ForSeeds(30, "§5.2: nodes that hear no leader elect one; every node then agrees on its term.", cluster =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            leader.CurrentTerm.ShouldBeGreaterThanOrEqualTo(1, "§5.2: a leader is elected in a term after the first (terms start at 0, elections start at 1).");
        });
    }

    [Fact]
    public void A_leader_stays_leader_while_its_heartbeats_arrive()
    {
        Scenario.ForSeeds(20, "§5.2: heartbeats keep followers from starting elections, so a healthy leader keeps its term.", cluster =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            var term = leader.CurrentTerm;
            var votesBefore = cluster.Trace.SentOf<RequestVote>().Count();

            cluster.RunFor(10 * Second);

            cluster.Trace.SentOf<RequestVote>().Count().ShouldBe(votesBefore, "Nobody should ask for votes while the leader's heartbeats arrive.");
            leader.Role.ShouldBe(Role.Leader, "§5.2: a leader whose heartbeats arrive stays leader.");
            leader.CurrentTerm.ShouldBe(term, "§5.2: with a live leader no election starts, so the term does not move.");
        });
    }

    [Fact]
    public void A_cut_off_leader_is_replaced_and_rejoins_as_a_follower()
    {
        Scenario.ForSeeds(20, "§5.2: followers that stop hearing the leader elect a new one; the old leader steps down when it hears the newer term (§5.1).", cluster =>
        {
            var old = cluster.AwaitLeader(2 * Second);
            cluster.Network.Isolate(old.Id);

            var rest = cluster.NodeIds.Where(id => id != old.Id).ToList();
            var successor = cluster.AwaitLeader(3 * Second, rest);
            successor.CurrentTerm.ShouldBeGreaterThan(old.CurrentTerm, "§5.2: the new leader was elected in a newer term than the cut-off one.");

            cluster.Network.Reconnect(old.Id);
            var leader = cluster.AwaitLeader(3 * Second);
            old.Role.ShouldBe(Role.Follower, "The old leader hears the newer term and becomes a follower.");
            leader.Id.ShouldBe(successor.Id, "The successor's heartbeats reach the old leader too, so the successor keeps leading.");
        });
    }

    [Fact]
    public void No_leader_is_elected_without_a_quorum()
    {
        Scenario.ForSeeds(10, "§5.2: a leader needs votes from a majority of the whole cluster, so a minority never elects one.", cluster =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            var cut = cluster.NodeIds.Where(id => id != leader.Id).Take(3).Append(leader.Id).ToList();
            foreach (var id in cut)
            {
                cluster.Network.Isolate(id);
            }
            var remaining = cluster.NodeIds.Except(cut).ToList();
            var since = cluster.Now;

            cluster.RunFor(3 * Second);

            remaining.Count.ShouldBe(1, "one node is left outside the cut: a minority of 5 on its own");
            foreach (var id in remaining)
            {
                cluster.Trace.Events.OfType<NodeStateChanged>()
                    .Any(e => e.Node == id && e.At > since && e.Role == Role.Leader)
                    .ShouldBeFalse($"Node {id} became leader with only {remaining.Count} of 5 nodes reachable.");
            }
            cluster.Node(remaining[0]).CurrentTerm.ShouldBeGreaterThan(leader.CurrentTerm, "The minority keeps trying: its terms go up.");

            foreach (var id in cut)
            {
                cluster.Network.Reconnect(id);
            }
            cluster.AwaitLeader(4 * Second);
        }, nodes: 5);
    }

    [Fact]
    public void Many_elections_with_random_disconnects_on_seven_nodes()
    {
        Scenario.ForSeeds(10, "§5.2: through any sequence of disconnects, a connected majority elects a leader, and no term has two (Figure 3).", cluster =>
        {
            var random = new Random((int)cluster.Seed);
            cluster.AwaitLeader(3 * Second);
            for (var round = 0; round < 10; round++)
            {
                var cut = cluster.NodeIds.OrderBy(_ => random.Next()).Take(3).ToList();
                foreach (var id in cut)
                {
                    cluster.Network.Isolate(id);
                }
                cluster.Note($"round {round}: cut off {string.Join(",", cut)}");
                cluster.AwaitLeader(4 * Second, cluster.NodeIds.Except(cut).ToList());
                foreach (var id in cut)
                {
                    cluster.Network.Reconnect(id);
                }
            }
            cluster.AwaitLeader(4 * Second);
        }, nodes: 7);
    }

    [Fact]
    public void A_new_leader_is_elected_within_two_seconds_of_a_crash()
    {
        Scenario.ForSeeds(30, "§5.2 and §9.3: with randomized timeouts (300-600 ms here) a crashed leader is replaced quickly, split votes included.", cluster =>
        {
            var old = cluster.AwaitLeader(2 * Second);
            cluster.RunFor(TimeSpan.FromMilliseconds(37 * cluster.Seed % 100)); // crash at varied points of the heartbeat interval
            cluster.Crash(old.Id);
            var crashedAt = cluster.Now;

            var successor = cluster.AwaitLeader(2 * Second, cluster.NodeIds.Where(id => id != old.Id).ToList());

            (cluster.Now - crashedAt).ShouldBeLessThan(2 * Second, "§5.2, §9.3: with 300-600 ms timeouts a new leader should be elected well within 2 s of a crash.");
            successor.CurrentTerm.ShouldBeGreaterThan(old.CurrentTerm, "§5.2: the new leader was elected in a newer term than the crashed one.");
        }, nodes: 5);
    }

    [Fact]
    public void Elections_succeed_on_an_unreliable_network()
    {
        Scenario.ForSeeds(20, "§5.2: lost, duplicated and late votes and heartbeats delay an election but never elect two leaders in a term.", cluster =>
        {
            cluster.AwaitLeader(5 * Second);
            cluster.RunFor(5 * Second);
        }, nodes: 5, network: NetworkOptions.Unreliable);
    }

    [Fact]
    public void Only_a_granted_vote_resets_the_election_timer()
    {
        // Node 3's log is stale and its timeout short (150-160 ms): it keeps asking and keeps being denied.
        // Node 2 (300-600 ms) must still time out and win; if a denied request reset node 2's timer,
        // node 3's pestering would keep the cluster leaderless forever.
        var fast = new RaftOptions { ElectionTimeoutMin = TimeSpan.FromMilliseconds(150), ElectionTimeoutMax = TimeSpan.FromMilliseconds(160) };
        Scenario.ForSeeds(10, "Figure 2, Followers (§5.2): the election timer is reset by AppendEntries from the current leader or by granting a vote, not by a denied request.", cluster =>
        {
            foreach (var id in new[] { 1, 2 })
            {
                cluster.Node(id).Log.Add(new LogEntry(1, "x"));
                cluster.Node(id).CurrentTerm = 1;
            }
            cluster.Node(3).CurrentTerm = 1;
            cluster.Network.Isolate(1);

            var leader = cluster.AwaitLeader(3 * Second, [2, 3]);

            leader.Id.ShouldBe(2, "Only node 2 has an up-to-date log, so only node 2 can win (§5.4.1).");
        }, raftFor: id => id == 3 ? fast : new RaftOptions());
    }

    [Fact]
    public void Equal_election_timeouts_can_split_the_vote_forever()
    {
        // Everything symmetric: the same timeout for every node and the same delay for every message.
        // All three time out together, each votes for itself, and no one ever wins. Randomized timeouts
        // exist to break exactly this (§5.2); the notebook shows the picture.
        var equal = new RaftOptions { ElectionTimeoutMin = TimeSpan.FromMilliseconds(300), ElectionTimeoutMax = TimeSpan.FromMilliseconds(300) };
        var fixedDelay = new NetworkOptions { MinDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(5) };
        Scenario.ForSeeds(3, "§5.2: with identical timeouts, candidates can split the vote again and again.", cluster =>
        {
            cluster.RunFor(5 * Second);

            cluster.Leaders().ShouldBeEmpty("With perfectly equal timeouts and delays every election splits the vote.");
            cluster.LiveNodes.Min(n => n.CurrentTerm).ShouldBeGreaterThanOrEqualTo(10, "Each timeout starts a new election, so terms keep rising: the lowest term of any node is:");
        }, raft: equal, network: fixedDelay);
    }

    [Fact]
    public void An_election_costs_a_bounded_number_of_messages()
    {
        Scenario.ForSeeds(20, "Message economy (§5.2): one RequestVote per peer per election, and heartbeats at most about 10 per second per follower.", cluster =>
        {
            cluster.AwaitLeader(2 * Second);
            var elections = cluster.Trace.Events.OfType<NodeStateChanged>().Count(e => e.Role == Role.Candidate && e.VotedFor == e.Node);
            cluster.Trace.SentOf<RequestVote>().Count().ShouldBeLessThanOrEqualTo(elections * 4,
                "Each election sends one RequestVote to each of the 4 peers, no more.");

            var start = cluster.Now;
            cluster.RunFor(5 * Second);
            var perFollowerPerSecond = cluster.Trace.SentOf<AppendEntries>().Count(s => s.Event.At > start) / 4.0 / 5.0;
            perFollowerPerSecond.ShouldBeLessThanOrEqualTo(11, "At most about 10 heartbeats per second to each follower (MIT 6.5840's limit).");
            perFollowerPerSecond.ShouldBeGreaterThanOrEqualTo(5, "Too few heartbeats and followers start needless elections.");
        }, nodes: 5);
    }
}
