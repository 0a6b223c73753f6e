namespace Raft;

/// <summary>
/// What a host (the simulator, a socket server) needs from a node: start its loops, hand it
/// messages, and read its Figure 2 state so that the safety checks of Figure 3 can watch it.
/// </summary>
public interface IRaftNode
{
    int Id { get; }

    Role Role { get; }

    long CurrentTerm { get; }

    int? VotedFor { get; }

    /// <summary>The log; <c>Log[0]</c> is the entry at index 1.</summary>
    IReadOnlyList<LogEntry> Log { get; }

    long CommitIndex { get; }

    long LastApplied { get; }

    /// <summary>Runs the node's loops until <paramref name="cancellationToken"/> is cancelled.</summary>
    Task RunAsync(CancellationToken cancellationToken);

    /// <summary>Puts a message into the node's inbox. Called by the host; never blocks.</summary>
    void Deliver(Envelope envelope);
}
