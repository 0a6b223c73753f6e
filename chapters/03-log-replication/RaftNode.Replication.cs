namespace Raft;

public sealed partial class RaftNode
{
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
        return result;
    }

    /// <summary>The leader's part of <see cref="Submit"/>: the entry appended and on its way to the followers, or a refusal.</summary>
    private SubmitResult AcceptCommand(string command)
    {
        // TODO(ch03): Submit: §5.3: only the leader accepts a command. It appends it to its own log in its current term and starts replicating it, and the answer names the index and term it went to. Any other node refuses and names the leader it believes in, so the client can retry there.
        throw new NotImplementedException("TODO(ch03) Submit: §5.3: only the leader accepts a command. It appends it to its own log in its current term and starts replicating it, and the answer names the index and term it went to. Any other node refuses and names the leader it believes in, so the client can retry there.");
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
        // TODO(ch03): SendAppendEntries: §5.3: a request to a follower carries the entries it lacks, from its nextIndex on (at most MaxEntriesPerMessage), and names the entry just before them (its index and its term, or 0 before the first entry), which the follower must already hold for them to fit: that is the consistency check's question. It also records how far the request reaches, so NothingInFlight knows what is still on its way.
        TodoStandIn.Ran("SendAppendEntries"); // tells the gate this TODO is still open
        // For now chapter 1's heartbeat, so the earlier chapters keep working while you write this.
        Send(peer, new AppendEntries(CurrentTerm, Id, LastLogIndex(), LastLogTerm(), [], CommitIndex));
    }

    /// <summary>A leader's AppendEntries (§5.3): is the sender this term's leader, then the consistency check and the entries.</summary>
    public void HandleAppendEntries(int from, AppendEntries request)
    {
        if (!AcceptLeader(from, request))
        {
            return;
        }
        var reply = AppendFromLeader(request);
        Send(from, reply);
    }

    /// <summary>
    /// Whether the sender of <paramref name="request"/> leads this node's term: true after taking it as the leader, false
    /// after refusing a stale one (the refusal is sent).
    /// </summary>
    private bool AcceptLeader(int from, AppendEntries request)
    {
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
    }

    /// <summary>
    /// The follower's side of replication (§5.3): the consistency check, then the request's entries; the reply to send.
    /// </summary>
    private AppendEntriesReply AppendFromLeader(AppendEntries request)
    {
        // TODO(ch03): AppendEntriesCheck: Figure 2, AppendEntries receiver rules 2 to 4. The entries fit only after an entry that matches the one the leader names (same index, same term; a heartbeat too): otherwise refuse, with a hint of where the leader should try next (§5.3, fast backup). On success the log takes the request's entries and loses only what conflicts with them (an entry at the same index with another term, and all after it): entries already held stay, so a late or duplicated request never deletes newer ones. The reply's MatchIndex covers exactly what the request carried.
        TodoStandIn.Ran("AppendEntriesCheck"); // tells the gate this TODO is still open
        // For now chapter 1's answer: accept without checking the log, so heartbeats keep working.
        return new AppendEntriesReply(CurrentTerm, Success: true);
    }

    /// <summary>A follower answered this node's AppendEntries.</summary>
    public void HandleAppendEntriesReply(int from, AppendEntriesReply reply)
    {
        var sendNow = TrackFollower(from, reply);
        if (sendNow)
        {
            SendAppendEntries(from);
        }
    }

    /// <summary>
    /// The leader's bookkeeping of a follower from its reply (§5.3): matchIndex and nextIndex. Returns true if the
    /// follower should be sent an AppendEntries now (what it lacks, or a retry further back).
    /// </summary>
    private bool TrackFollower(int from, AppendEntriesReply reply)
    {
        // TODO(ch03): HandleReply: A reply counts only if this node still leads the term it was sent in. On success, what the leader knows the follower holds (matchIndex) rises to what the reply covers and never falls (replies come late and twice), and nextIndex follows it; the answer is true if the rest should be sent now, with nothing in flight. On failure, nextIndex moves back past the conflict in one step, from what the reply says of the follower's log and what the leader's own log holds, but never to or below what is already matched (§5.3); the answer is true if that moved it, so the leader tries again at once.
        TodoStandIn.Ran("HandleReply"); // tells the gate this TODO is still open
        // For now chapter 1's behaviour: nothing beyond the term rule Dispatch already applied.
        return false;
    }
}
