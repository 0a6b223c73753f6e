using Microsoft.Extensions.Logging.Abstractions;
using Raft.Simulation;

namespace Raft.Gate.Ch05;

// Figure 2: "Persistent state on all servers (updated on stable storage before responding to RPCs): currentTerm,
// votedFor, log[]". A node handled by hand; its transport looks at the storage each time a message leaves.
public sealed class PersistenceTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "raft-persistence-" + Guid.NewGuid().ToString("N"));
    private readonly List<IDisposable> _opened = [];

    public void Dispose()
    {
        _opened.ForEach(d => d.Dispose());
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>
    /// Fresh storage of both kinds a node runs on: the simulator's disk, and chapter 5's FileStorage on a real directory.
    /// A restart is a new storage object over the same place.
    /// </summary>
    private IEnumerable<(string Name, Func<IStableStorage> Open)> Storages()
    {
        var sim = new SimStorage();
        yield return ("the simulated disk", () => sim);
        var dir = Path.Combine(_root, $"files{_opened.Count}");
        FileStorage? last = null;
        yield return ("FileStorage on a real directory", () =>
        {
            last?.Dispose(); // the process that had the files open is gone
            last = new FileStorage(dir);
            _opened.Add(last);
            return last;
        });
    }

    /// <summary>A message as it left, with what the storage held at that moment.</summary>
    private sealed record Departure(int To, IMessage Message, long StoredTerm, int? StoredVote, int StoredEntries);

    /// <summary>Records, for each message sent, what the storage held at that moment.</summary>
    private sealed class SnapshotTransport(SimStorage storage) : ITransport
    {
        public List<Departure> Sent { get; } = [];

        public void Send(int to, IMessage message) => Sent.Add(new Departure(to, message, storage.CurrentTerm, storage.VotedFor, storage.Log.Count));
    }

    /// <summary>Counts what is written, to see that a save writes only what changed.</summary>
    private sealed class CountingStorage : IStableStorage
    {
        public SimStorage Inner { get; } = new();
        public int TermSaves { get; private set; }
        public long EntriesWritten { get; private set; }

        public PersistentState Load() => Inner.Load();

        public void SaveTermAndVote(long currentTerm, int? votedFor)
        {
            TermSaves++;
            Inner.SaveTermAndVote(currentTerm, votedFor);
        }

        public void SaveLog(long fromIndex, ReadOnlySpan<LogEntry> entries)
        {
            EntriesWritten += entries.Length;
            Inner.SaveLog(fromIndex, entries);
        }
    }

    private static RaftNode Node(IStableStorage storage, ITransport transport, int id = 2, int size = 3) =>
        new(new NodeContext(id, Enumerable.Range(1, size).Where(p => p != id).ToArray(), transport, new ManualClock(), new Random(id),
            NullLogger.Instance, storage));

    private static LogEntry[] Entries(params long[] terms) => terms.Select((t, i) => new LogEntry(t, $"put k{i + 1} v{t}")).ToArray();

    [Fact]
    public void A_restarted_node_comes_back_with_its_term_vote_and_log()
    {
        var storage = new SimStorage();
        storage.SaveTermAndVote(7, 3);
        storage.SaveLog(1, Entries(1, 2, 7));

        var node = Node(storage, new RecordingTransport());

        node.CurrentTerm.ShouldBe(7, "Figure 2: currentTerm is persistent; a restarted node comes back in the term it saved.");
        node.VotedFor.ShouldBe(3, "Figure 2: votedFor is persistent; forgetting it would let the node vote twice in term 7.");
        node.Log.ToArray().ShouldBe(Entries(1, 2, 7), "Figure 2: the log is persistent; a restarted node holds every entry it saved.");
        node.Role.ShouldBe(Role.Follower, "§5.2: every server starts as a follower, a restarted leader too.");
        node.CommitIndex.ShouldBe(0, "Figure 2: commitIndex is volatile; the node learns it again from the leader.");
    }

    [Fact]
    public void A_restarted_node_takes_its_term_from_what_it_saved_not_from_its_log()
    {
        var storages = 0;
        foreach (var (name, open) in Storages())
        {
            var before = open();
            // The node saw term 9 and voted for node 3 in it; its last entry is from term 7.
            before.SaveTermAndVote(9, 3);
            before.SaveLog(1, Entries(1, 2, 7));

            var sent = new RecordingTransport();
            var node = Node(open(), sent, id: 1);

            node.CurrentTerm.ShouldBe(9, $"On {name}: Figure 2, currentTerm is persistent state of its own. The last entry's term (7) is not the node's term: " +
                "it had seen term 9, and a node that comes back in an older term can be talked into voting again in a term it already voted in.");
            node.VotedFor.ShouldBe(3, $"On {name}: Figure 2, votedFor is persistent: the node voted for 3 in term 9.");

            // Node 2 stands in term 9 with a log as up to date: the node already voted in term 9, for node 3.
            node.Dispatch(new Envelope(2, 1, new RequestVote(9, 2, 3, 7)));
            var reply = sent.SentOf<RequestVoteReply>().ShouldHaveSingleItem($"On {name}: the node answers the vote request.").Message;
            reply.VoteGranted.ShouldBeFalse($"On {name}: §5.2, one vote per term: the restarted node voted for 3 in term 9 before it went down, so it " +
                "refuses node 2 in term 9. Granting it would let two leaders win term 9.");
            reply.Term.ShouldBe(9, $"On {name}: the reply carries the term the node is in: 9.");

            // With no entry at all, the term still comes back: it is kept apart from the log.
            var again = open();
            again.SaveTermAndVote(12, null);
            again.SaveLog(1, []);
            var restarted = Node(open(), new RecordingTransport(), id: 1);
            restarted.CurrentTerm.ShouldBe(12, $"On {name}: Figure 2: the node saw term 12; with its log empty, only the saved term knows that.");
            restarted.VotedFor.ShouldBeNull($"On {name}: no vote was cast in term 12.");
            restarted.Log.ShouldBeEmpty($"On {name}: the log was truncated to nothing, and stays so after a restart.");
            storages++;
        }
        storages.ShouldBe(2, "both kinds of storage were tried");
    }

    [Fact]
    public void A_vote_is_saved_before_the_reply_leaves()
    {
        var storage = new SimStorage();
        var sent = new SnapshotTransport(storage);
        var node = Node(storage, sent);

        node.Dispatch(new Envelope(1, 2, new RequestVote(3, 1, 0, 0)));

        var reply = sent.Sent.ShouldHaveSingleItem("The node answers the vote request.");
        ((RequestVoteReply)reply.Message).VoteGranted.ShouldBeTrue("The candidate's log is as up to date, so the vote is granted (§5.4.1).");
        reply.StoredTerm.ShouldBe(3, "Figure 2: the new currentTerm (3) was on storage before the reply left; the term storage held when it left:");
        reply.StoredVote.ShouldBe(1, "Figure 2: the vote was on storage before the reply left; after a crash the node must not vote again in term 3.");
    }

    [Fact]
    public void Entries_are_saved_before_the_success_reply_leaves()
    {
        var storage = new SimStorage();
        var sent = new SnapshotTransport(storage);
        var node = Node(storage, sent);

        node.Dispatch(new Envelope(1, 2, new AppendEntries(1, 1, 0, 0, Entries(1, 1), 0)));

        var reply = sent.Sent.ShouldHaveSingleItem("The node answers the AppendEntries.");
        ((AppendEntriesReply)reply.Message).Success.ShouldBeTrue("The request passes the consistency check.");
        reply.StoredEntries.ShouldBe(2, "Figure 2: both entries were on storage before the success reply left; the leader counts this node toward a majority, so a crash must not lose them.");
    }

    [Fact]
    public void A_candidates_new_term_and_own_vote_are_saved_before_it_asks_for_votes()
    {
        var storage = new SimStorage();
        var sent = new SnapshotTransport(storage);
        var node = Node(storage, sent);

        node.StartElection();

        sent.Sent.Count.ShouldBe(2, "The candidate asks both other servers.");
        foreach (var request in sent.Sent)
        {
            request.StoredTerm.ShouldBe(1, $"Figure 2: the candidate's new term (1) was on storage before its RequestVote to node {request.To} left; the term storage held then:");
            request.StoredVote.ShouldBe(2, $"Figure 2: the candidate's vote for itself was on storage before its RequestVote to node {request.To} left: after a crash it must not vote for another in term 1.");
        }
    }

    [Fact]
    public void A_leaders_new_entry_is_saved_before_it_is_sent_or_committed()
    {
        var storage = new SimStorage();
        var node = Node(storage, new SnapshotTransport(storage), id: 1, size: 1);
        node.ForceLeader(1);

        node.Submit(KeyValueStore.Put("x", "1"));

        node.CommitIndex.ShouldBe(1, "§5.3: a cluster of one commits at once.");
        storage.Log.Count.ShouldBe(1, "Figure 2: the leader's own copy counts toward the majority only once it is on storage; a committed entry must survive a crash.");
    }

    [Fact]
    public void A_conflict_is_saved_as_a_replacement_from_the_first_index_that_differs()
    {
        var storage = new SimStorage();
        storage.SaveTermAndVote(2, null);
        storage.SaveLog(1, Entries(1, 1, 2, 2));
        var node = Node(storage, new SnapshotTransport(storage));

        node.Dispatch(new Envelope(1, 2, new AppendEntries(3, 1, 2, 1, [new LogEntry(3, "put k3 v3")], 0)));

        storage.Log.Select(e => e.Term).ShouldBe(new long[] { 1, 1, 3 }, "§5.3: the conflicting entries 3 and 4 are replaced on storage too; a restart must not bring back a deposed leader's entries.");
        storage.CurrentTerm.ShouldBe(3, "Figure 2: the new term is saved as well.");
    }

    [Fact]
    public void A_term_and_vote_are_written_once_for_each_change()
    {
        var storage = new CountingStorage();
        var node = Node(storage, new RecordingTransport());

        node.Dispatch(new Envelope(1, 2, new RequestVote(2, 1, 0, 0)));
        storage.TermSaves.ShouldBe(1, "Figure 2: the new term and the vote are saved before the reply, together: one save.");
        var heartbeats = 0;
        for (var i = 0; i < 5; i++)
        {
            node.Dispatch(new Envelope(1, 2, new AppendEntries(2, 1, 0, 0, [], 0)));
            heartbeats++;
        }

        heartbeats.ShouldBe(5, "five heartbeats were handled");
        storage.TermSaves.ShouldBe(1, "Five heartbeats of term 2 change neither the term nor the vote, so nothing is written again: Persist must remember what " +
            "storage holds after each save, or it writes the same term and vote for every message (a disk write is slow).");
        storage.Inner.CurrentTerm.ShouldBe(2, "What storage holds is term 2.");
        storage.Inner.VotedFor.ShouldBe(1, "What storage holds is the vote for node 1.");
    }

    [Fact]
    public void A_save_writes_only_what_changed()
    {
        var storage = new CountingStorage();
        storage.Inner.SaveTermAndVote(1, null);
        storage.Inner.SaveLog(1, Enumerable.Repeat(new LogEntry(1, "put k v"), 1000).ToArray());
        var node = Node(storage, new RecordingTransport());

        node.Dispatch(new Envelope(1, 2, new AppendEntries(1, 1, 1000, 1, [new LogEntry(1, "put k w")], 0)));
        node.Dispatch(new Envelope(1, 2, new AppendEntries(1, 1, 1001, 1, [], 0)));

        storage.EntriesWritten.ShouldBe(1, "Figure 2 keeps the log on stable storage, and one new entry means one entry written: a node must not rewrite its 1,000 saved entries for every message (a disk write is slow).");
        storage.TermSaves.ShouldBe(0, "Figure 2: the term and vote did not change, so they are not written again.");
        node.Log.Count.ShouldBe(1001, "The entry was appended.");
    }
}
