//@since 07
using Microsoft.Extensions.Logging;

namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>
    /// A client's read waiting for its answer (ReadIndex, Ongaro's thesis §6.4).
    /// </summary>
    /// <param name="query">The read-only command (a get).</param>
    /// <param name="answer">Completed with the answer, or failed if this node stops leading first.</param>
    public sealed class PendingRead(string query, TaskCompletionSource<string> answer)
    {
        public string Query { get; } = query;

        public TaskCompletionSource<string> Answer { get; } = answer;

        /// <summary>The read index: the commitIndex when the read was taken up; null until then.</summary>
        public long? ReadIndex { get; set; }

        /// <summary>The round of heartbeats that must confirm this node still leads; 0 until one is started.</summary>
        public long Round { get; set; }
    }

    // Reads in the order they came, until answered. Only the leader holds any.
    private readonly List<PendingRead> _reads = [];

    // Set when something a waiting read depends on changed: commitIndex, lastApplied, an acknowledged round.
    private readonly AsyncSignal _readsChanged = new();

    // The latest read round this leader started. Rounds only grow, over all of this node's terms, so an
    // acknowledgement of round r was sent after round r began.
    private long _readRound;

    // For each peer, the highest read round it acknowledged in this node's current term of leadership.
    private readonly Dictionary<int, long> _roundAcked = [];

    /// <summary>The reads waiting for their answer, for tests and notebooks.</summary>
    public IReadOnlyList<PendingRead> PendingReads => _reads;

    /// <summary>The latest read round this node started as leader.</summary>
    public long ReadRound => _readRound;

    /// <summary>
    /// A linearizable read without a log entry (ReadIndex, thesis §6.4): the task completes with the answer of
    /// <paramref name="query"/> from a state that includes every write acknowledged before the read began. It fails
    /// with <see cref="SubmitFailedException"/> if this node does not lead (<see cref="SubmitFailure.NotLeader"/>, naming
    /// the leader it knows) or stops leading before it can answer.
    /// </summary>
    public Task<string> ReadAsync(string query, CancellationToken cancellationToken = default)
    {
        //@todo 07 Read: Only the leader can promise a read includes every write acknowledged before it, and even it must check that it still leads (ServeReads does). Any other node refuses at once with SubmitFailure.NotLeader and the leader it knows: answering from its own state could return a value older than a write a client already saw succeed (a stale read). The leader queues the read for ServeReads and wakes it.
        if (Role != Role.Leader)
        {
            return Task.FromException<string>(new SubmitFailedException(SubmitFailure.NotLeader, LeaderId,
                $"Node {Id} is not the leader; " + (LeaderId is { } hint ? $"try node {hint}." : "it knows no leader yet: retry soon.")));
        }
        var read = new PendingRead(query, new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
        _reads.Add(read);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() => read.Answer.TrySetCanceled(cancellationToken));
        }
        _readsChanged.Set();
        return read.Answer.Task;
        //@starter
        //~ // For now reads go through the log, as every command did before chapter 7 (correct, but each costs an entry).
        //~ return SubmitAsync(query, cancellationToken);
        //@end
    }

    /// <summary>
    /// The leader's side of ReadIndex (thesis §6.4), run whenever something a waiting read depends on changed: gives
    /// each new read its read index and a round of heartbeats, and answers those whose index is applied and whose
    /// round a majority acknowledged.
    /// </summary>
    public void ServeReads()
    {
        //@todo 07 ReadIndex: Thesis §6.4. A read may be answered only from a state that holds every entry committed before it began, by a node that was still the leader after it began. The read index is the commitIndex once this leader has committed an entry of its own term (before that its commitIndex may lag behind what an earlier leader committed: its no-op fixes that). Leadership is proved by a round of heartbeats begun after the read (StartReadRound) that a majority of the cluster acknowledges (RoundConfirmed): an older round proves nothing about now. The answer comes from StateMachine.Query once the state machine has applied up to the read index. Reads are answered in order, and never twice.
        if (Role != Role.Leader || _reads.Count == 0)
        {
            return;
        }
        // §6.4 step 1: the read index, once this leader has committed an entry of its term.
        var fresh = false;
        if (TermAt(CommitIndex) == CurrentTerm)
        {
            foreach (var read in _reads.Where(r => r.ReadIndex is null))
            {
                read.ReadIndex = CommitIndex;
                fresh = true;
            }
        }
        // Step 2: one new round of heartbeats confirms leadership for every read that got its index now.
        if (fresh)
        {
            var round = StartReadRound();
            foreach (var read in _reads.Where(r => r.ReadIndex is not null && r.Round == 0))
            {
                read.Round = round;
            }
        }
        // Steps 3 and 4: confirmed, and applied up to the read index: answer, in order.
        while (_reads.Count > 0 && _reads[0] is { ReadIndex: { } index, Round: > 0 } first
               && RoundConfirmed(first.Round) && LastApplied >= index)
        {
            _reads.RemoveAt(0);
            first.Answer.TrySetResult(StateMachine.Query(first.Query));
        }
        //@starter
        //~ // For now nothing: ReadAsync sends reads through the log.
        //@end
    }

    /// <summary>
    /// Starts a new read round: every AppendEntries this leader sends from now on carries its number, and a reply
    /// echoes it, so a reply to it proves the follower still took this node as leader after the round began.
    /// Sends a heartbeat to every peer at once. Returns the round's number.
    /// </summary>
    public long StartReadRound()
    {
        _readRound++;
        SendHeartbeats();
        // A cluster of one confirms its own rounds: the loop must look again.
        _readsChanged.Set();
        return _readRound;
    }

    /// <summary>True if a majority of the cluster, this leader included, acknowledged round <paramref name="round"/> or a later one.</summary>
    public bool RoundConfirmed(long round)
    {
        var acknowledged = 1; // this leader
        foreach (var peer in Peers)
        {
            if (_roundAcked.GetValueOrDefault(peer) >= round)
            {
                acknowledged++;
            }
        }
        return HasMajority(acknowledged);
    }

    // A follower's reply counts for the rounds up to the one it echoes, if it answers this node's current leadership:
    // a reply of another term says nothing about now. Dispatch has applied the term rule: a newer term deposed us.
    private void CountReadAck(int from, AppendEntriesReply reply)
    {
        if (Role != Role.Leader || reply.Term != CurrentTerm || reply.Round <= _roundAcked.GetValueOrDefault(from))
        {
            return;
        }
        _roundAcked[from] = reply.Round;
        _readsChanged.Set();
    }

    // What every AppendEntries carries from chapter 7 on: the latest read round, and entries within a byte budget.
    private IMessage Stamp(int to, IMessage message)
    {
        if (message is not AppendEntries request)
        {
            return message;
        }
        var stamped = _readRound > 0 ? request with { Round = _readRound } : request;
        // A follower far behind gets the entries it lacks in several requests; each must fit in one message (a frame on
        // the wire), whatever the sizes of the commands: at most MaxBytesPerMessage bytes of commands, and at least one.
        var bytes = 0L;
        var kept = 0;
        foreach (var entry in request.Entries)
        {
            bytes += System.Text.Encoding.UTF8.GetByteCount(entry.Command);
            if (kept > 0 && bytes > MaxBytesPerMessage)
            {
                break;
            }
            kept++;
        }
        if (kept < request.Entries.Count)
        {
            stamped = stamped with { Entries = [.. request.Entries.Take(kept)] };
            // What is in flight to this follower ends where this request ends (NothingInFlight).
            _sentUpTo[to] = request.PrevLogIndex + kept;
        }
        return stamped;
    }

    /// <summary>The most bytes of commands one AppendEntries carries (besides at most <see cref="MaxEntriesPerMessage"/> entries).</summary>
    public const int MaxBytesPerMessage = 256 * 1024;

    /// <summary>The walkthrough's style: one more loop, that serves reads whenever something they wait on changed.</summary>
    private async Task RunReadLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await _readsChanged.WaitAsync(cancellationToken);
            ServeReads();
        }
    }

    // The node is no longer the leader (or stops): nobody will confirm its reads. They were not answered, so a client can
    // safely ask the new leader.
    private void FailReads(SubmitFailure reason)
    {
        if (_reads.Count == 0)
        {
            _roundAcked.Clear();
            return;
        }
        _logger.LogInformation("Node {Id} fails {Count} waiting reads: it no longer leads", Id, _reads.Count);
        foreach (var read in _reads)
        {
            read.Answer.TrySetException(new SubmitFailedException(reason, LeaderId,
                $"Node {Id} stopped leading before it could confirm the read; ask the current leader."));
        }
        _reads.Clear();
        _roundAcked.Clear();
    }

    /// <summary>
    /// §8: a new leader does not know which of its entries are committed, and may not commit an earlier term's entry by
    /// counting replicas (Figure 8). An entry of its own term, committed, settles both.
    /// </summary>
    private void StartTerm()
    {
        //@todo 07 NoOp: §8: "each leader commit a blank no-op entry into the log at the start of its term". Until an entry of the new leader's own term is committed, the earlier terms' entries it holds stay uncommitted (Figure 8 forbids counting them), clients wait, and ReadIndex has no read index. The no-op (KeyValueStore.NoOp) goes into this leader's log in its current term, is saved like any entry a leader appends, and counts toward commitment at once (a cluster of one commits it on its own). The heartbeats a new leader sends at once carry it to the followers.
        Log.Add(new LogEntry(CurrentTerm, KeyValueStore.NoOp));
        Persist();
        AdvanceCommitIndex();
        //@starter
        //~ // For now no no-op: entries of earlier terms wait for the next client's command to commit.
        //@end
    }
}
