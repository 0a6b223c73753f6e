namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>The index of the last log entry, 0 if the log is empty (indexes start at 1).</summary>
    public long LastLogIndex()
    {
        //@todo 01 LastLogIndex: Return the index of the last log entry. Indexes start at 1, so that is the number of entries, and 0 for an empty log.
        return Log.Count;
        //@end
    }

    /// <summary>The term of the last log entry, 0 if the log is empty.</summary>
    public long LastLogTerm()
    {
        //@todo 01 LastLogTerm: Return the term of the last log entry, or 0 when the log is empty.
        return Log.Count == 0 ? 0 : Log[^1].Term;
        //@end
    }
}
