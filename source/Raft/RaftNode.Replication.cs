namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>A leader's AppendEntries: a heartbeat for now; chapter 3 adds log entries (§5.3).</summary>
    public void HandleAppendEntries(int from, AppendEntries request)
    {
        //@todo 01 HandleAppendEntries: If request.Term is below CurrentTerm, reply AppendEntriesReply(CurrentTerm, false): the stale leader learns our term and steps down (§5.1). Otherwise the sender leads our term: a candidate or leader becomes follower (BecomeFollower(), §5.2), remember LeaderId = request.LeaderId, ResetElectionTimer(), and reply AppendEntriesReply(CurrentTerm, true).
        if (request.Term < CurrentTerm)
        {
            Send(from, new AppendEntriesReply(CurrentTerm, Success: false));
            return;
        }
        // Dispatch applied the term rule first, so request.Term == CurrentTerm: the sender is the
        // one leader of this term (§5.2).
        if (Role != Role.Follower)
        {
            BecomeFollower();
        }
        LeaderId = request.LeaderId;
        ResetElectionTimer();
        // Chapter 3 checks prevLogIndex/prevLogTerm and appends the entries here (§5.3).
        Send(from, new AppendEntriesReply(CurrentTerm, Success: true));
        //@end
    }

    /// <summary>A follower answered this node's AppendEntries.</summary>
    public void HandleAppendEntriesReply(int from, AppendEntriesReply reply)
    {
        // Chapter 3 advances nextIndex and matchIndex here. (Dispatch has already applied the term
        // rule, so a reply from a newer term has made this node a follower.)
    }
}
