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
        // TODO(ch05): Restore: A node that restarts is the same server: it must come back with the currentTerm, votedFor and log it saved, or it could vote twice in a term or forget entries it acknowledged, and a majority could then lose a committed entry (§5.4). Storage that holds nothing is a fresh node (term 0, no vote, empty log). Remember what storage holds, so that Persist saves only what changes after this.
        TodoStandIn.Ran("Restore"); // tells the gate this TODO is still open
        // For now: start fresh, as chapters 1 to 4 did (nothing survives a crash).
    }

    /// <summary>
    /// Saves whatever of currentTerm, votedFor and the log changed since the last save, and returns once it is durable.
    /// Cheap when nothing changed, so it can run before every message.
    /// </summary>
    public void Persist()
    {
        // TODO(ch05): Persist: Bring storage up to date with currentTerm, votedFor and the log, durably, before returning, writing only what changed since the last save: a disk write is slow, and a log of thousands of entries must not be rewritten for every heartbeat. A log changes only at its end (appends) or by losing a suffix and taking new entries (a conflict, §5.3), so it differs from what is saved from one index on. Afterwards, remember what storage holds.
        TodoStandIn.Ran("Persist"); // tells the gate this TODO is still open
        // For now nothing is saved, so the earlier chapters keep working while you write this.
    }
}
