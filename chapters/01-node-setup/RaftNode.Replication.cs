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
        // TODO(ch01): HandleAppendEntries: Whether the sender of this AppendEntries leads this node's term (Figure 2, AppendEntries rule 1). A request from an older term is refused, with a reply that carries this node's term so the stale leader steps down (§5.1), and the answer is false. Otherwise the sender is this term's leader (Dispatch already adopted a newer term): a candidate or leader steps down (§5.2), the node remembers the leader, its election timer starts over, and the answer is true.
        throw new NotImplementedException("TODO(ch01) HandleAppendEntries: Whether the sender of this AppendEntries leads this node's term (Figure 2, AppendEntries rule 1). A request from an older term is refused, with a reply that carries this node's term so the stale leader steps down (§5.1), and the answer is false. Otherwise the sender is this term's leader (Dispatch already adopted a newer term): a candidate or leader steps down (§5.2), the node remembers the leader, its election timer starts over, and the answer is true.");
    }

    /// <summary>A follower answered this node's AppendEntries.</summary>
    public void HandleAppendEntriesReply(int from, AppendEntriesReply reply)
    {
        // Chapter 3 advances nextIndex and matchIndex here. (Dispatch has already applied the term
        // rule, so a reply from a newer term has made this node a follower.)
    }
}
