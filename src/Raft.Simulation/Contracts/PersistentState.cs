namespace Raft;

/// <summary>Figure 2's persistent state on all servers, as a node finds it on restart.</summary>
/// <param name="Log">The log; <c>Log[0]</c> is the entry at index 1.</param>
public sealed record PersistentState(long CurrentTerm, int? VotedFor, IReadOnlyList<LogEntry> Log)
{
    /// <summary>A node that never saved anything: term 0, no vote, an empty log.</summary>
    public static PersistentState Empty { get; } = new(0, null, []);

    // Equal when the term, the vote and every entry are: the log compares by content, not as a reference.
    public bool Equals(PersistentState? other) =>
        other is not null && CurrentTerm == other.CurrentTerm && VotedFor == other.VotedFor && Log.SequenceEqual(other.Log);

    public override int GetHashCode() => HashCode.Combine(CurrentTerm, VotedFor, Log.Count);
}
