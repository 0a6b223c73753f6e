namespace Raft;

/// <summary>
/// Where a node keeps what must survive a crash (Figure 2, "Persistent state on all servers: updated on stable
/// storage before responding to RPCs"): currentTerm, votedFor and the log. Every save is durable when it returns:
/// a crash afterwards keeps it, and a crash during it keeps either the old state or, for the log, a prefix of the
/// new entries. The simulator's <c>SimStorage</c> and chapter 5's <c>FileStorage</c> implement it.
/// </summary>
public interface IStableStorage
{
    /// <summary>What was saved last; <see cref="PersistentState.Empty"/> for a node that never saved anything.</summary>
    /// <exception cref="StorageCorruptException">What is stored cannot be read back as it was written.</exception>
    PersistentState Load();

    /// <summary>Replaces currentTerm and votedFor, both at once: a crash leaves either the old pair or the new one.</summary>
    void SaveTermAndVote(long currentTerm, int? votedFor);

    /// <summary>
    /// Makes the stored log, from index <paramref name="fromIndex"/> on, equal to <paramref name="entries"/>: the entries
    /// stored at <paramref name="fromIndex"/> and after are dropped, and <paramref name="entries"/> take their place.
    /// Appending is <c>SaveLog(lastIndex + 1, newEntries)</c>; truncating is <c>SaveLog(index, [])</c>. The entries come
    /// as a span so a node can hand over the tail of its own log without copying it (for a <c>List</c>,
    /// <c>CollectionsMarshal.AsSpan(log)[from..]</c>); storage copies what it keeps.
    /// </summary>
    void SaveLog(long fromIndex, ReadOnlySpan<LogEntry> entries);
}
