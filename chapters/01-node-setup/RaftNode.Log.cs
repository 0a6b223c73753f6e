namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>The index of the last log entry, 0 if the log is empty (indexes start at 1).</summary>
    public long LastLogIndex()
    {
        // TODO(ch01): LastLogIndex: Return the index of the last entry. Invariant: Raft numbers entries from 1, so an empty log's last index is 0, the one index every log agrees on (a prevLogIndex of 0 always matches).
        throw new NotImplementedException("TODO(ch01) LastLogIndex: Return the index of the last entry. Invariant: Raft numbers entries from 1, so an empty log's last index is 0, the one index every log agrees on (a prevLogIndex of 0 always matches).");
    }

    /// <summary>The term of the last log entry, 0 if the log is empty.</summary>
    public long LastLogTerm()
    {
        // TODO(ch01): LastLogTerm: Return the term of the last entry, or 0 for an empty log: term 0 stands for 'before any entry', lower than every real term, which is what §5.4.1 and the consistency check (§5.3) rely on.
        throw new NotImplementedException("TODO(ch01) LastLogTerm: Return the term of the last entry, or 0 for an empty log: term 0 stands for 'before any entry', lower than every real term, which is what §5.4.1 and the consistency check (§5.3) rely on.");
    }
}
