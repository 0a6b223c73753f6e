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
        // TODO(ch03): Submit: If this node is not the leader, return SubmitResult.NotLeader(LeaderId). Otherwise append new LogEntry(CurrentTerm, command) to the log, call SendAppendEntries(peer) for each peer with NothingInFlight(peer), and return new SubmitResult(true, its index, CurrentTerm, Id).
        throw new NotImplementedException("TODO(ch03) Submit: If this node is not the leader, return SubmitResult.NotLeader(LeaderId). Otherwise append new LogEntry(CurrentTerm, command) to the log, call SendAppendEntries(peer) for each peer with NothingInFlight(peer), and return new SubmitResult(true, its index, CurrentTerm, Id).");
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
        // TODO(ch03): SendAppendEntries: Let next = NextIndex[peer] and prev = next - 1. Send AppendEntries(CurrentTerm, Id, prev, TermAt(prev), the entries from index next on (at most MaxEntriesPerMessage: Log.Skip((int)prev).Take(...).ToArray()), CommitIndex), and record how far it reaches: _sentUpTo[peer] = prev + the number of entries.
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
        // TODO(ch03): AppendEntriesCheck: The consistency check (rule 2): if PrevLogIndex is negative or past your last index, reply false with ConflictIndex = LastLogIndex() + 1 and ConflictTerm = 0; if the entry at PrevLogIndex has another term, reply false with ConflictTerm = that term and ConflictIndex = the first index holding it. Then for each entry (at index PrevLogIndex + 1 + i): keep it if you hold one of the same term there; at the first real conflict delete it and all after (rule 3), then append the rest (rule 4). Never truncate for a stale or duplicated request. Reply true with MatchIndex = PrevLogIndex + Entries.Count.
        // For now chapter 1's answer: accept without checking the log, so heartbeats keep working.
        Send(from, new AppendEntriesReply(CurrentTerm, Success: true));
    }

    /// <summary>A follower answered this node's AppendEntries.</summary>
    public void HandleAppendEntriesReply(int from, AppendEntriesReply reply)
    {
        // TODO(ch03): HandleReply: Ignore the reply unless this node is leader and reply.Term == CurrentTerm. On success: MatchIndex[from] = max(its value, reply.MatchIndex) (replies can arrive late or twice), NextIndex[from] = MatchIndex[from] + 1, and if the follower still lacks entries and NothingInFlight(from), SendAppendEntries(from) at once. On failure, back up NextIndex[from]: to one past your last entry of reply.ConflictTerm if you have that term, else to reply.ConflictIndex; never below MatchIndex[from] + 1 or 1. Then SendAppendEntries(from) at once.
        // For now chapter 1's behaviour: nothing beyond the term rule Dispatch already applied.
    }
}
