// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>The index of the last log entry, 0 if the log is empty (indexes start at 1).</summary>
    public long LastLogIndex()
    {
        return Log.Count;
    }

    /// <summary>The term of the last log entry, 0 if the log is empty.</summary>
    public long LastLogTerm()
    {
        return Log.Count == 0 ? 0 : Log[^1].Term;
    }
}
