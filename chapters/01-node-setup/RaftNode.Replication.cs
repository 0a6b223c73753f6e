namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>A leader's AppendEntries: a heartbeat for now; chapter 3 adds log entries (§5.3).</summary>
    public void HandleAppendEntries(int from, AppendEntries request)
    {
        // TODO(ch01): HandleAppendEntries: Figure 2, AppendEntries rule 1: a request from an older term is refused, and the reply carries this node's term so the stale leader steps down (§5.1). Otherwise the sender leads this term (Dispatch already adopted a newer one): a candidate or leader steps down (§5.2), the node remembers the leader, restarts its election timer and answers success.
        throw new NotImplementedException("TODO(ch01) HandleAppendEntries: Figure 2, AppendEntries rule 1: a request from an older term is refused, and the reply carries this node's term so the stale leader steps down (§5.1). Otherwise the sender leads this term (Dispatch already adopted a newer one): a candidate or leader steps down (§5.2), the node remembers the leader, restarts its election timer and answers success.");
    }

    /// <summary>A follower answered this node's AppendEntries.</summary>
    public void HandleAppendEntriesReply(int from, AppendEntriesReply reply)
    {
        // Chapter 3 advances nextIndex and matchIndex here. (Dispatch has already applied the term
        // rule, so a reply from a newer term has made this node a follower.)
    }
}
