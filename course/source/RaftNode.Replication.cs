namespace Raft;

public sealed partial class RaftNode
{
    //@since 03
    // ---- Volatile state on leaders (Figure 2), reinitialized after election ----

    /// <summary>For each server, index of the next log entry to send to that server (initialized to leader last log index + 1).</summary>
    public Dictionary<int, long> NextIndex { get; } = [];

    /// <summary>For each server, index of highest log entry known to be replicated on server (initialized to 0, increases monotonically).</summary>
    public Dictionary<int, long> MatchIndex { get; } = [];

    // For each follower, the last index the latest AppendEntries to it covered. While matchIndex is below it,
    // entries are on their way: a new command, or a reply to an older request, then sends nothing, and the
    // reply to the latest request carries on with the rest. So each entry goes to each follower about once.
    // The heartbeat tick sends regardless, which retries whatever was lost.
    private readonly Dictionary<int, long> _sentUpTo = [];

    /// <summary>True if everything sent to <paramref name="peer"/> has been acknowledged.</summary>
    public bool NothingInFlight(int peer) => MatchIndex.GetValueOrDefault(peer) >= _sentUpTo.GetValueOrDefault(peer);

    /// <summary>The most entries one AppendEntries carries; a follower far behind catches up in several.</summary>
    public const int MaxEntriesPerMessage = 64;

    /// <summary>
    /// A client's command (§5.3): the leader appends it to its log and replicates it. Any other node refuses
    /// and names the leader it believes in, so the client can try there.
    /// </summary>
    public SubmitResult Submit(string command)
    {
        var result = AcceptCommand(command);
        //@since 04
        // A client still waiting on this index waited for an entry of an earlier term of this node's leadership that was
        // overwritten since (the log was cut below it): its command was never applied. Tell it, before a new waiter
        // takes the index.
        if (result.Accepted && _pending.Remove(result.Index, out var overwritten))
        {
            overwritten.Client.TrySetException(new SubmitFailedException(SubmitFailure.LeadershipLost, LeaderId,
                $"Node {Id} lost the entry it accepted at index {result.Index} in term {overwritten.Term}: the command was never applied. Retry it."));
        }
        //@end
        //@since 05
        // The leader's own copy counts toward the majority only once it is on its disk (a cluster of one sends nothing).
        if (result.Accepted)
        {
            Persist();
        }
        //@end
        //@since 04
        // A cluster of one has its majority already.
        if (result.Accepted)
        {
            AdvanceCommitIndex();
        }
        //@end
        return result;
    }

    //@since 07
    /// <summary>
    /// Why a client's command must be refused before it enters the log, or null if it may go in: the state machine could
    /// never apply it (<see cref="IStateMachine.Validate"/>), or it is too long to fit in one message to the followers
    /// (<see cref="RaftOptions.MaxCommandBytes"/>). A refused command gets this sentence at once, and is never replicated.
    /// </summary>
    public string? Refusal(string command)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(command);
        return bytes > Options.MaxCommandBytes
            ? $"the command is {bytes} bytes long, more than the {Options.MaxCommandBytes} bytes an entry may hold (each entry must fit in one message to every follower)"
            : StateMachine.Validate(command);
    }

    //@end
    /// <summary>The leader's part of <see cref="Submit"/>: the entry appended and on its way to the followers, or a refusal.</summary>
    private SubmitResult AcceptCommand(string command)
    {
        //@todo 03 Submit: §5.3: only the leader accepts a command. It appends it to its own log in its current term and starts replicating it, and the answer names the index and term it went to. Any other node refuses and names the leader it believes in, so the client can retry there.
        if (Role != Role.Leader)
        {
            return SubmitResult.NotLeader(LeaderId);
        }
        Log.Add(new LogEntry(CurrentTerm, command));
        foreach (var peer in Peers)
        {
            if (NothingInFlight(peer))
            {
                SendAppendEntries(peer);
            }
        }
        return new SubmitResult(true, LastLogIndex(), CurrentTerm, Id);
        //@end
    }

    /// <summary>The term of the entry at <paramref name="index"/>; 0 for index 0 (before the first entry).</summary>
    public long TermAt(long index) =>
        index == 0 ? 0
        : index >= 1 && index <= Log.Count ? Log[(int)(index - 1)].Term
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"Node {Id}'s log has entries 1 to {Log.Count}.");

    /// <summary>
    /// Sends <paramref name="peer"/> one AppendEntries from its nextIndex: the entries it lacks (at most
    /// <see cref="MaxEntriesPerMessage"/>), after the entry the follower must already hold (§5.3). With nothing
    /// to send it is a heartbeat, and still carries the consistency check.
    /// </summary>
    public void SendAppendEntries(int peer)
    {
        //@todo 03 SendAppendEntries: §5.3: a request to a follower carries the entries it lacks, from its nextIndex on (at most MaxEntriesPerMessage), and names the entry just before them (its index and its term, or 0 before the first entry), which the follower must already hold for them to fit: that is the consistency check's question. It also records how far the request reaches, so NothingInFlight knows what is still on its way.
        var prev = NextIndex[peer] - 1;
        var entries = Log.Skip((int)prev).Take(MaxEntriesPerMessage).ToArray();
        _sentUpTo[peer] = prev + entries.Length;
        Send(peer, new AppendEntries(CurrentTerm, Id, prev, TermAt(prev), entries, CommitIndex));
        //@starter
        //~ // For now chapter 1's heartbeat, so the earlier chapters keep working while you write this.
        //~ Send(peer, new AppendEntries(CurrentTerm, Id, LastLogIndex(), LastLogTerm(), [], CommitIndex));
        //@end
    }

    //@end
    //@before 03
    //~ /// <summary>A leader's AppendEntries: a heartbeat for now; chapter 3 adds log entries (§5.3).</summary>
    //@end
    //@since 03
    /// <summary>A leader's AppendEntries (§5.3): is the sender this term's leader, then the consistency check and the entries.</summary>
    //@end
    public void HandleAppendEntries(int from, AppendEntries request)
    {
        if (!AcceptLeader(from, request))
        {
            return;
        }
        //@before 03
        //~ // Chapter 3 checks prevLogIndex/prevLogTerm and appends the entries here (§5.3).
        //~ Send(from, new AppendEntriesReply(CurrentTerm, Success: true));
        //@end
        //@since 03
        var reply = AppendFromLeader(request);
        //@since 07
        // The reply answers the leader's read round too (§6.4 of the thesis), whatever the check said.
        reply = reply with { Round = request.Round };
        //@end
        //@since 04
        if (reply.Success)
        {
            LearnLeaderCommit(request);
        }
        //@end
        Send(from, reply);
        //@end
    }

    /// <summary>
    /// Whether the sender of <paramref name="request"/> leads this node's term: true after taking it as the leader, false
    /// after refusing a stale one (the refusal is sent).
    /// </summary>
    private bool AcceptLeader(int from, AppendEntries request)
    {
        //@todo 01 HandleAppendEntries: Whether the sender of this AppendEntries leads this node's term (Figure 2, AppendEntries rule 1). A request from an older term is refused, with a reply that carries this node's term so the stale leader steps down (§5.1), and the answer is false. Otherwise the sender is this term's leader (Dispatch already adopted a newer term): a candidate or leader steps down (§5.2), the node remembers the leader, its election timer starts over, and the answer is true.
        // Figure 2, AppendEntries receiver implementation, rule 1: reply false if term < currentTerm (§5.1).
        if (request.Term < CurrentTerm)
        {
            Send(from, new AppendEntriesReply(CurrentTerm, Success: false));
            return false;
        }
        // Dispatch applied the term rule first, so request.Term == CurrentTerm: the sender is the one leader
        // of this term (§5.2). Hearing from it keeps this node a follower.
        if (Role != Role.Follower)
        {
            BecomeFollower();
        }
        LeaderId = request.LeaderId;
        ResetElectionTimer();
        return true;
        //@end
    }
    //@since 03

    /// <summary>
    /// The follower's side of replication (§5.3): the consistency check, then the request's entries; the reply to send.
    /// </summary>
    private AppendEntriesReply AppendFromLeader(AppendEntries request)
    {
        //@todo 03 AppendEntriesCheck: Figure 2, AppendEntries receiver rules 2 to 4. The entries fit only after an entry that matches the one the leader names (same index, same term; a heartbeat too): otherwise refuse, with a hint of where the leader should try next (§5.3, fast backup). On success the log takes the request's entries and loses only what conflicts with them (an entry at the same index with another term, and all after it): entries already held stay, so a late or duplicated request never deletes newer ones. The reply's MatchIndex covers exactly what the request carried.
        if (request.PrevLogIndex < 0 || request.PrevLogIndex > LastLogIndex())
        {
            // Nothing at prevLogIndex: the leader should continue after this node's last entry.
            return new AppendEntriesReply(CurrentTerm, Success: false, ConflictIndex: LastLogIndex() + 1, ConflictTerm: 0);
        }
        if (TermAt(request.PrevLogIndex) != request.PrevLogTerm)
        {
            // Fast backup (§5.3, last paragraphs): name the conflicting term and where it starts, so the
            // leader can skip the whole term in one round trip instead of one entry per round trip.
            var conflictTerm = TermAt(request.PrevLogIndex);
            var first = request.PrevLogIndex;
            while (first > 1 && TermAt(first - 1) == conflictTerm)
            {
                first--;
            }
            return new AppendEntriesReply(CurrentTerm, Success: false, ConflictIndex: first, ConflictTerm: conflictTerm);
        }
        for (var i = 0; i < request.Entries.Count; i++)
        {
            var index = request.PrevLogIndex + 1 + i;
            if (index <= LastLogIndex())
            {
                if (TermAt(index) == request.Entries[i].Term)
                {
                    continue; // already held: a duplicated or older request must not truncate anything
                }
                // Rule 3: an existing entry conflicts with a new one: delete it and all that follow it.
                Log.RemoveRange((int)(index - 1), Log.Count - (int)(index - 1));
            }
            // Rule 4: append any new entries not already in the log.
            Log.Add(request.Entries[i]);
        }
        return new AppendEntriesReply(CurrentTerm, Success: true, MatchIndex: request.PrevLogIndex + request.Entries.Count);
        //@starter
        //~ // For now chapter 1's answer: accept without checking the log, so heartbeats keep working.
        //~ return new AppendEntriesReply(CurrentTerm, Success: true);
        //@end
    }
    //@end

    /// <summary>A follower answered this node's AppendEntries.</summary>
    public void HandleAppendEntriesReply(int from, AppendEntriesReply reply)
    {
        //@before 03
        //~ // Chapter 3 advances nextIndex and matchIndex here. (Dispatch has already applied the term
        //~ // rule, so a reply from a newer term has made this node a follower.)
        //@end
        //@since 03
        //@since 07
        CountReadAck(from, reply);
        //@end
        var sendNow = TrackFollower(from, reply);
        //@since 04
        // An acknowledgement may give the leader a majority for more entries (it does nothing for a follower).
        AdvanceCommitIndex();
        //@end
        if (sendNow)
        {
            SendAppendEntries(from);
        }
        //@end
    }
    //@since 03

    /// <summary>
    /// The leader's bookkeeping of a follower from its reply (§5.3): matchIndex and nextIndex. Returns true if the
    /// follower should be sent an AppendEntries now (what it lacks, or a retry further back).
    /// </summary>
    private bool TrackFollower(int from, AppendEntriesReply reply)
    {
        //@todo 03 HandleReply: A reply counts only if this node still leads the term it was sent in. On success, what the leader knows the follower holds (matchIndex) rises to what the reply covers and never falls (replies come late and twice), and nextIndex follows it; the answer is true if the rest should be sent now, with nothing in flight. On failure, nextIndex moves back past the conflict in one step, from what the reply says of the follower's log and what the leader's own log holds, but never to or below what is already matched (§5.3); the answer is true if that moved it, so the leader tries again at once.
        // Dispatch applied the term rule; a reply to an older term's request counts for nothing.
        if (Role != Role.Leader || reply.Term != CurrentTerm)
        {
            return false;
        }
        if (reply.Success)
        {
            // Invariant: matchIndex only grows, whatever order replies arrive in.
            MatchIndex[from] = Math.Max(MatchIndex[from], reply.MatchIndex);
            NextIndex[from] = MatchIndex[from] + 1;
            return NextIndex[from] <= LastLogIndex() && NothingInFlight(from);
        }
        var next = reply.ConflictIndex;
        if (reply.ConflictTerm > 0)
        {
            var lastOfTerm = LastLogIndex();
            while (lastOfTerm > 0 && TermAt(lastOfTerm) > reply.ConflictTerm)
            {
                lastOfTerm--;
            }
            if (lastOfTerm > 0 && TermAt(lastOfTerm) == reply.ConflictTerm)
            {
                next = lastOfTerm + 1;
            }
        }
        var before = NextIndex[from];
        NextIndex[from] = Math.Clamp(next, MatchIndex[from] + 1, LastLogIndex() + 1);
        // Retry at once only if the backup moved. A rejection that moves nothing (a late reply, or a follower that
        // lost entries it had acknowledged: a restart without persistence, before chapter 5) would otherwise start an
        // endless exchange of the same request and rejection; the heartbeat tick retries it.
        return NextIndex[from] < before;
        //@starter
        //~ // For now chapter 1's behaviour: nothing beyond the term rule Dispatch already applied.
        //~ return false;
        //@end
    }
    //@end
}
