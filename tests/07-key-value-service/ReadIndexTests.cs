using Raft.Gate.Ch04;
using Raft.Simulation;

namespace Raft.Gate.Ch07;

// ReadIndex (Ongaro's thesis §6.4): a read without a log entry that still sees every write acknowledged before it began.
// The leader (1) takes its commitIndex as the read index once an entry of its own term is committed, (2) proves it still
// leads with a round of heartbeats begun after the read, acknowledged by a majority, (3) waits until the state machine
// has applied the read index, (4) answers from the state machine. Each step prevents a stale read.
public sealed class ReadIndexTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>Node 1 leads a cluster of three in <paramref name="term"/>; its no-op is at the end of its log.</summary>
    private static (RaftNode Leader, RecordingTransport Sent) Leader(long term = 1, params LogEntry[] before)
    {
        var (node, sent) = Standalone.Node(id: 1, clusterSize: 3, options: NoOpTests.Service);
        node.Log.AddRange(before);
        node.ForceLeader(term);
        return (node, sent);
    }

    private static void Reply(RaftNode leader, int from, bool success = true, long matchIndex = 0, long round = 0) =>
        leader.Dispatch(new Envelope(from, leader.Id, new AppendEntriesReply(leader.CurrentTerm, success, MatchIndex: matchIndex,
            ConflictIndex: success ? 0 : 1, Round: round)));

    /// <summary>Commits and applies the leader's log up to its end with node 2's acknowledgement.</summary>
    private static void CommitAll(RaftNode leader)
    {
        Reply(leader, 2, matchIndex: leader.LastLogIndex());
        leader.ApplyCommitted();
        leader.CommitIndex.ShouldBe(leader.LastLogIndex(), "node 2's acknowledgement commits the leader's log");
    }

    private static string Answer(Task<string> read, string because)
    {
        read.IsCompletedSuccessfully.ShouldBeTrue(because);
        return read.Result;
    }

    [Fact]
    public void Only_the_leader_takes_a_read_and_it_writes_nothing_to_its_log()
    {
        var (leader, _) = Leader(1);
        var length = leader.Log.Count;

        var read = leader.ReadAsync(KeyValueStore.Get("x"));

        leader.PendingReads.Select(r => r.Query).ShouldBe([KeyValueStore.Get("x")], "thesis §6.4: the leader keeps the read until it can answer it (TODO(ch07) Read)");
        leader.Log.Count.ShouldBe(length, "thesis §6.4: a read is not appended to the log: that is what ReadIndex saves (TODO(ch07) Read)");
        read.IsCompleted.ShouldBeFalse("nothing confirmed it yet");

        var (node, _) = Standalone.Node(id: 3, clusterSize: 3, options: NoOpTests.Service);
        node.Dispatch(new Envelope(2, 3, new AppendEntries(1, 2, 0, 0, [], 0)));
        var refused = node.ReadAsync(KeyValueStore.Get("x"));

        refused.IsFaulted.ShouldBeTrue("thesis §6.4: only the leader can check that a read is not stale; a follower's copy may be behind (TODO(ch07) Read)");
        var failure = refused.Exception!.InnerException.ShouldBeOfType<SubmitFailedException>("the read fails as a command does on a follower");
        failure.Reason.ShouldBe(SubmitFailure.NotLeader, "the client should ask the leader (TODO(ch07) Read)");
        failure.LeaderHint.ShouldBe(2, "§8: the follower names the leader it knows");
        node.PendingReads.ShouldBeEmpty("a follower keeps no read");
    }

    [Fact]
    public void A_read_is_answered_from_the_state_machine_after_a_majority_acknowledges_its_round()
    {
        var (leader, sent) = Leader(1, new LogEntry(1, KeyValueStore.Put("x", "1")));
        CommitAll(leader);
        sent.Clear();

        var read = leader.ReadAsync(KeyValueStore.Get("x"));
        leader.ServeReads();

        read.IsCompleted.ShouldBeFalse("thesis §6.4: the leader must first check it still leads: a deposed leader's state may be stale (TODO(ch07) ReadIndex)");
        var round = leader.ReadRound;
        round.ShouldBeGreaterThan(0, "thesis §6.4: the read starts a round of heartbeats (StartReadRound) (TODO(ch07) ReadIndex)");
        sent.SentOf<AppendEntries>().Where(a => a.Message.Round == round).Select(a => a.To).Order().ToArray().ShouldBe([2, 3],
            "the round's heartbeats go to every follower at once, carrying its number");
        leader.Log.Count.ShouldBe(2, "a read writes nothing to the log: that is what ReadIndex saves");

        Reply(leader, 3, success: false, round: round);
        leader.ServeReads();

        Answer(read, "thesis §6.4: node 3 acknowledged the round, so the leader and node 3 are a majority of three: the read is answered (TODO(ch07) ReadIndex)")
            .ShouldBe("1", "the answer comes from the state machine (StateMachine.Query)");
    }

    [Fact]
    public void An_acknowledgement_of_a_round_begun_before_the_read_does_not_answer_it()
    {
        var (leader, _) = Leader(1);
        CommitAll(leader);
        var first = leader.ReadAsync(KeyValueStore.Get("x"));
        leader.ServeReads();
        Reply(leader, 2, round: leader.ReadRound);
        leader.ServeReads();
        Answer(first, "thesis §6.4: the first read's round was acknowledged by a majority (TODO(ch07) ReadIndex)");
        var roundBefore = leader.ReadRound;

        var second = leader.ReadAsync(KeyValueStore.Get("x"));
        leader.ServeReads();

        second.IsCompleted.ShouldBeFalse("thesis §6.4: node 2 acknowledged a round begun before this read; since then a new leader may have been elected " +
                                         "and have taken writes. Only a round begun after the read proves this node still leads (TODO(ch07) ReadIndex)");
        leader.ReadRound.ShouldBeGreaterThan(roundBefore, "the second read starts a round of its own");
        Reply(leader, 2, round: roundBefore);
        leader.ServeReads();
        second.IsCompleted.ShouldBeFalse("a late acknowledgement of the old round still proves nothing about now (TODO(ch07) ReadIndex)");

        Reply(leader, 2, round: leader.ReadRound);
        leader.ServeReads();
        Answer(second, "thesis §6.4: the second read's own round is acknowledged (TODO(ch07) ReadIndex)");
    }

    [Fact]
    public void A_new_leader_takes_no_read_index_before_an_entry_of_its_term_commits()
    {
        // The previous leader committed put x b (index 2) and told its client so; this new leader has the entry but only
        // knows index 1 is committed.
        var (leader, _) = Leader(2, new LogEntry(1, KeyValueStore.Put("x", "a")), new LogEntry(1, KeyValueStore.Put("x", "b")));
        leader.CommitIndex = 1;
        leader.ApplyCommitted();

        var read = leader.ReadAsync(KeyValueStore.Get("x"));
        leader.ServeReads();
        leader.PendingReads.Count.ShouldBe(1, "the read waits at the leader (TODO(ch07) Read)");
        leader.PendingReads[0].ReadIndex.ShouldBeNull("thesis §6.4 step 1: no read index is taken while no entry of the leader's term is committed (TODO(ch07) ReadIndex)");
        // Node 2 answers a heartbeat (whatever round the leader is in), without acknowledging the new entries yet.
        Reply(leader, 2, success: false, round: leader.ReadRound);
        leader.ServeReads();

        read.IsCompleted.ShouldBeFalse("thesis §6.4 step 1: until its own no-op is committed, a new leader's commitIndex may lag behind what the old " +
                                       "leader committed and acknowledged (x = b): a read index taken now could miss it (TODO(ch07) ReadIndex)");

        CommitAll(leader);
        leader.ServeReads();
        Reply(leader, 2, round: leader.ReadRound);
        leader.ServeReads();

        Answer(read, "thesis §6.4: once the no-op commits, the read index is trustworthy and the round confirms it (TODO(ch07) ReadIndex)")
            .ShouldBe("b", "the read sees the write the previous leader acknowledged (Linearizability, thesis §6.4) (TODO(ch07) ReadIndex)");
    }

    [Fact]
    public void A_read_waits_until_the_state_machine_has_applied_its_read_index()
    {
        var (leader, _) = Leader(1, new LogEntry(1, KeyValueStore.Put("x", "1")));
        Reply(leader, 2, matchIndex: leader.LastLogIndex()); // committed, not yet applied
        leader.LastApplied.ShouldBe(0, "nothing is applied until the apply loop runs");

        var read = leader.ReadAsync(KeyValueStore.Get("x"));
        leader.ServeReads();
        Reply(leader, 2, round: leader.ReadRound);
        leader.ServeReads();

        read.IsCompleted.ShouldBeFalse("thesis §6.4 step 3: the state machine has not applied the read index yet; its x is still unset (TODO(ch07) ReadIndex)");

        leader.ApplyCommitted();
        leader.ServeReads();
        Answer(read, "thesis §6.4: applied up to the read index, the read is answered (TODO(ch07) ReadIndex)").ShouldBe("1", "the read sees the committed write");
    }

    [Fact]
    public void Reads_are_answered_in_order_and_each_once()
    {
        var (leader, _) = Leader(1);
        CommitAll(leader);
        var reads = Enumerable.Range(0, 5).Select(_ => leader.ReadAsync(KeyValueStore.Get("x"))).ToList();
        leader.ServeReads();
        leader.ReadRound.ShouldBe(1, "thesis §6.4: reads that arrive together share one round: heartbeats for each would cost a message per read (TODO(ch07) ReadIndex)");

        Reply(leader, 3, round: leader.ReadRound);
        leader.ServeReads();
        leader.ServeReads();

        reads.Count(r => r.IsCompletedSuccessfully).ShouldBe(5, "thesis §6.4: one round confirms every read that was waiting for it");
        leader.ReadRound.ShouldBe(1, "answering them started no other round");
        leader.PendingReads.ShouldBeEmpty("an answered read is no longer waiting");
    }

    [Fact]
    public void A_cluster_of_one_answers_reads_on_its_own()
    {
        var (node, _) = Standalone.Node(id: 1, clusterSize: 1, options: NoOpTests.Service);
        node.ForceLeader(1);
        node.ApplyCommitted();

        var read = node.ReadAsync(KeyValueStore.Get("x"));
        node.ServeReads();
        node.ServeReads();

        Answer(read, "thesis §6.4: in a cluster of one the leader is its own majority (TODO(ch07) ReadIndex)").ShouldBe("", "x was never written");
    }

    [Fact]
    public void A_leader_that_steps_down_fails_its_waiting_reads()
    {
        var (leader, _) = Leader(1);
        CommitAll(leader);
        var read = leader.ReadAsync(KeyValueStore.Get("x"));
        leader.ServeReads();

        leader.Dispatch(new Envelope(2, 1, new AppendEntriesReply(5, Success: false)));

        leader.Role.ShouldBe(Role.Follower, "§5.1: a reply with a newer term makes the leader a follower");
        read.IsFaulted.ShouldBeTrue("thesis §6.4: a read the node can no longer confirm is failed at once, so its client asks the new leader (TODO(ch07) Read)");
        read.Exception!.InnerException.ShouldBeOfType<SubmitFailedException>("the read fails as a command would");
    }

    [Fact]
    public void A_read_writes_nothing_to_the_log()
    {
        Committing.ForSeeds(10, "thesis §6.4: a read by ReadIndex is answered without a log entry.", (cluster, history) =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            cluster.Await(cluster.SubmitAsync(leader, KeyValueStore.Put("x", "1")), Second, "put x 1");
            var length = leader.Log.Count;

            var read = Reads.ReadAsync(cluster, leader, KeyValueStore.Get("x"));

            cluster.Await(read, Second, "get x").ShouldBe("1", "the read sees the write acknowledged before it");
            leader.Log.Count.ShouldBe(length, "thesis §6.4: the read added no entry to the log (TODO(ch07) Read)");
        }, raft: NoOpTests.Service, state: Reads.Queryable);
    }

    [Fact]
    public void A_leader_cut_off_from_the_majority_answers_no_read()
    {
        Committing.ForSeeds(10, "thesis §6.4: a leader that cannot reach a majority cannot prove it leads; its reads wait, and fail when it learns it was deposed.", (cluster, history) =>
        {
            var old = cluster.AwaitLeader(2 * Second);
            cluster.Await(cluster.SubmitAsync(old, KeyValueStore.Put("x", "before")), Second, "put x before");
            cluster.Network.Isolate(old.Id);
            var length = old.Log.Count;
            var read = Reads.ReadAsync(cluster, old, KeyValueStore.Get("x"));
            var others = cluster.NodeIds.Where(id => id != old.Id).ToList();
            var leader = cluster.AwaitLeader(3 * Second, among: others);
            cluster.Await(cluster.SubmitAsync(leader, KeyValueStore.Put("x", "after")), Second, "put x after");

            cluster.RunFor(Second);
            old.Log.Count.ShouldBe(length, "thesis §6.4: the read waits at the leader; it is not appended to the log (TODO(ch07) Read)");
            read.IsCompleted.ShouldBeFalse($"thesis §6.4: node {old.Id} is cut off: it still believes it leads, but a new leader has acknowledged x = after; " +
                                           $"answering now would return the stale x = before (TODO(ch07) ReadIndex)");

            cluster.Network.Reconnect(old.Id);
            cluster.RunUntil(() => read.IsCompleted, 2 * Second).ShouldBeTrue("back in touch, the old leader hears of the new term and gives up its read");
            read.IsFaulted.ShouldBeTrue("thesis §6.4: the read was never confirmed: it fails, and the client asks the new leader (TODO(ch07) ReadIndex)");
        }, raft: NoOpTests.Service, state: Reads.Queryable);
    }
}
