namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>The index of the last log entry, 0 if the log is empty (indexes start at 1).</summary>
    public long LastLogIndex()
    {
        // TODO(ch01): LastLogIndex: Return the index of the last log entry. Indexes start at 1, so that is the number of entries, and 0 for an empty log.
        throw new NotImplementedException("TODO(ch01) LastLogIndex: Return the index of the last log entry. Indexes start at 1, so that is the number of entries, and 0 for an empty log.");
    }

    /// <summary>The term of the last log entry, 0 if the log is empty.</summary>
    public long LastLogTerm()
    {
        // TODO(ch01): LastLogTerm: Return the term of the last log entry, or 0 when the log is empty.
        throw new NotImplementedException("TODO(ch01) LastLogTerm: Return the term of the last log entry, or 0 when the log is empty.");
    }
}
