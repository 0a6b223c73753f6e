namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>A leader's AppendEntries: a heartbeat for now; chapter 3 adds log entries (§5.3).</summary>
    public void HandleAppendEntries(int from, AppendEntries request)
    {
        // TODO(ch01): HandleAppendEntries: If request.Term is below CurrentTerm, reply AppendEntriesReply(CurrentTerm, false): the stale leader learns our term and steps down (§5.1). Otherwise the sender leads our term: a candidate or leader becomes follower (BecomeFollower(), §5.2), remember LeaderId = request.LeaderId, ResetElectionTimer(), and reply AppendEntriesReply(CurrentTerm, true).
        throw new NotImplementedException("TODO(ch01) HandleAppendEntries: If request.Term is below CurrentTerm, reply AppendEntriesReply(CurrentTerm, false): the stale leader learns our term and steps down (§5.1). Otherwise the sender leads our term: a candidate or leader becomes follower (BecomeFollower(), §5.2), remember LeaderId = request.LeaderId, ResetElectionTimer(), and reply AppendEntriesReply(CurrentTerm, true).");
    }

    /// <summary>A follower answered this node's AppendEntries.</summary>
    public void HandleAppendEntriesReply(int from, AppendEntriesReply reply)
    {
        // Chapter 3 advances nextIndex and matchIndex here. (Dispatch has already applied the term
        // rule, so a reply from a newer term has made this node a follower.)
    }
}
