namespace Raft.Simulation;

/// <summary>
/// A node's disk in the simulation: it survives a crash of the node, and only a crash. Every save is durable when it
/// returns. A test can make the node crash in the middle of its next save (<see cref="CrashDuringNextSave"/>), which
/// keeps a prefix of the entries being written (none: the write was lost before it reached the disk) and stops the
/// node before the save returns, so before it can answer anyone.
/// </summary>
public sealed class SimStorage : IStableStorage
{
    private readonly List<LogEntry> _log = [];
    private int? _crashKeeping;

    /// <summary>The saved currentTerm.</summary>
    public long CurrentTerm { get; private set; }

    /// <summary>The saved votedFor.</summary>
    public int? VotedFor { get; private set; }

    /// <summary>The saved log (index i at position i - 1).</summary>
    public IReadOnlyList<LogEntry> Log => _log;

    /// <summary>Set by the cluster: the node crashes at once (its sends are dropped) and is stopped after this step.</summary>
    internal Action? CrashNode { get; set; }

    /// <summary>
    /// The node's next save is cut short by a crash: a term-and-vote save is lost whole (it is atomic); a log save keeps
    /// its first <paramref name="keepEntries"/> entries. The node is stopped before the save returns.
    /// </summary>
    public void CrashDuringNextSave(int keepEntries = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keepEntries);
        _crashKeeping = keepEntries;
    }

    public PersistentState Load() => new(CurrentTerm, VotedFor, [.. _log]);

    public void SaveTermAndVote(long currentTerm, int? votedFor)
    {
        if (_crashKeeping is not null)
        {
            Crash("saving currentTerm and votedFor");
        }
        CurrentTerm = currentTerm;
        VotedFor = votedFor;
    }

    public void SaveLog(long fromIndex, ReadOnlySpan<LogEntry> entries)
    {
        if (fromIndex < 1 || fromIndex > _log.Count + 1)
        {
            throw new ArgumentOutOfRangeException(nameof(fromIndex), fromIndex,
                $"The saved log has entries 1 to {_log.Count}, so a save starts at an index from 1 to {_log.Count + 1}; a gap would lose entries.");
        }
        var keep = _crashKeeping is { } k ? Math.Min(k, entries.Length) : entries.Length;
        if (keep > 0 || entries.Length == 0 && _crashKeeping is null)
        {
            _log.RemoveRange((int)fromIndex - 1, _log.Count - (int)fromIndex + 1);
            _log.AddRange(entries[..keep]);
        }
        if (_crashKeeping is not null)
        {
            Crash($"saving entries {fromIndex} to {fromIndex + entries.Length - 1} (kept {keep})");
        }
    }

    private void Crash(string what)
    {
        _crashKeeping = null;
        CrashNode?.Invoke();
        throw new SimulatedCrashException($"The node crashed while {what}.");
    }
}

/// <summary>Thrown out of a save that <see cref="SimStorage.CrashDuringNextSave"/> cut short; the node is stopping.</summary>
public sealed class SimulatedCrashException(string message) : Exception(message);
