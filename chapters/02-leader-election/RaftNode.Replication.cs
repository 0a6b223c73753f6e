namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>A leader's AppendEntries: a heartbeat for now; chapter 3 adds log entries (§5.3).</summary>
    public void HandleAppendEntries(int from, AppendEntries request)
    {
        if (!AcceptLeader(from, request))
        {
            return;
        }
        // Chapter 3 checks prevLogIndex/prevLogTerm and appends the entries here (§5.3).
        Send(from, new AppendEntriesReply(CurrentTerm, Success: true));
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

    /// <summary>A follower answered this node's AppendEntries.</summary>
    public void HandleAppendEntriesReply(int from, AppendEntriesReply reply)
    {
        // Chapter 3 advances nextIndex and matchIndex here. (Dispatch has already applied the term
        // rule, so a reply from a newer term has made this node a follower.)
    }
}
