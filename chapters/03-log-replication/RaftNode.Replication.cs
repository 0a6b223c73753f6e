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
        // TODO(ch03): SendAppendEntries: §5.3: a request to a follower carries the entries from its nextIndex on (at most MaxEntriesPerMessage), after the entry the follower must already hold: prevLogIndex is nextIndex - 1 and prevLogTerm that entry's term (0 before the first entry). It also records how far the request reaches, so NothingInFlight knows what is still on its way.
        // For now chapter 1's heartbeat, so the earlier chapters keep working while you write this.
        Send(peer, new AppendEntries(CurrentTerm, Id, LastLogIndex(), LastLogTerm(), [], CommitIndex));
    }

    /// <summary>A leader's AppendEntries (§5.3): the consistency check, then the entries it carries.</summary>
    public void HandleAppendEntries(int from, AppendEntries request)
    {
        // Figure 2, AppendEntries receiver implementation, rule 1: reply false if term < currentTerm (§5.1).
        if (request.Term < CurrentTerm)
        {
            Send(from, new AppendEntriesReply(CurrentTerm, Success: false));
            return;
        }
        // Dispatch applied the term rule first, so request.Term == CurrentTerm: the sender is the one leader
        // of this term (§5.2). Hearing from it keeps this node a follower.
        if (Role != Role.Follower)
        {
            BecomeFollower();
        }
        LeaderId = request.LeaderId;
        ResetElectionTimer();
        // TODO(ch03): AppendEntriesCheck: Figure 2, AppendEntries receiver rules 2 to 4. Reply false unless the log holds an entry at prevLogIndex whose term is prevLogTerm (a heartbeat too), with a hint of where the leader should try next (§5.3, fast backup). On success, only an entry that conflicts (same index, other term) is deleted, with all after it; entries already held stay, so a late or duplicated request never deletes newer ones. The reply's MatchIndex covers exactly what the request carried.
        // For now chapter 1's answer: accept without checking the log, so heartbeats keep working.
        Send(from, new AppendEntriesReply(CurrentTerm, Success: true));
    }

    /// <summary>A follower answered this node's AppendEntries.</summary>
    public void HandleAppendEntriesReply(int from, AppendEntriesReply reply)
    {
        // TODO(ch03): HandleReply: A reply counts only if this node still leads the term it was sent in. On success, matchIndex for that follower rises to what the reply covers and never falls (replies come late and twice), and nextIndex follows it; the rest is sent if nothing is in flight. On failure, nextIndex moves back past the conflict in one step: after the leader's own last entry of the conflicting term if it has that term, else to the follower's ConflictIndex, never to or below what is already matched (§5.3); if that moved it, the leader tries again at once.
        // For now chapter 1's behaviour: nothing beyond the term rule Dispatch already applied.
    }
}
