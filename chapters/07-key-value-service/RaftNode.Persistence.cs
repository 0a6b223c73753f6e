using System.Runtime.InteropServices;

namespace Raft;

public sealed partial class RaftNode
{
    // What this node's storage holds, as far as this node knows: what Persist compares against to save only what changed.
    private long _savedTerm;
    private int? _savedVote;
    private readonly List<LogEntry> _savedLog = [];

    /// <summary>The storage this node saves its persistent state to (Figure 2).</summary>
    public IStableStorage Storage => _context.Storage;

    /// <summary>
    /// Reads Figure 2's persistent state back from storage when the node starts: currentTerm, votedFor and the log.
    /// Everything else (role, commitIndex, lastApplied, the leader's nextIndex and matchIndex) is volatile: a restarted
    /// node is a follower that has applied nothing and learns the commit point again from the leader.
    /// </summary>
    private void Restore()
    {
        var saved = _context.Storage.Load();
        CurrentTerm = saved.CurrentTerm;
        VotedFor = saved.VotedFor;
        Log.Clear();
        Log.AddRange(saved.Log);
        _savedTerm = saved.CurrentTerm;
        _savedVote = saved.VotedFor;
        _savedLog.Clear();
        _savedLog.AddRange(saved.Log);
    }

    /// <summary>
    /// Saves whatever of currentTerm, votedFor and the log changed since the last save, and returns once it is durable.
    /// Cheap when nothing changed, so it can run before every message.
    /// </summary>
    public void Persist()
    {
        if (CurrentTerm != _savedTerm || VotedFor != _savedVote)
        {
            _context.Storage.SaveTermAndVote(CurrentTerm, VotedFor);
            _savedTerm = CurrentTerm;
            _savedVote = VotedFor;
        }
        // Where the log and the saved log part: scan back from the end of the shorter one to the last entry both hold.
        // Entries only change by a suffix being replaced, so everything before that entry is the same (§5.3).
        var same = Math.Min(Log.Count, _savedLog.Count);
        while (same > 0 && !Equals(Log[same - 1], _savedLog[same - 1]))
        {
            same--;
        }
        if (same == Log.Count && same == _savedLog.Count)
        {
            return;
        }
        // A view of the log's tail, not a copy: storage copies what it keeps.
        var changed = CollectionsMarshal.AsSpan(Log)[same..];
        _context.Storage.SaveLog(same + 1, changed);
        _savedLog.RemoveRange(same, _savedLog.Count - same);
        _savedLog.AddRange(changed);
    }
}
