namespace Raft;

/// <summary>
/// What the replicated log drives (§2, §5.3): every server applies the same committed commands in the same
/// order to its own copy of the state machine. Each node has its own instance.
/// </summary>
/// <remarks>
/// Contract: <see cref="Apply"/> must be deterministic. The same commands in the same order must give every
/// server the same results and the same state: no clock, no random numbers, no I/O that can differ between
/// servers. State Machine Safety (§5.4.3) promises only that servers apply the same commands; deterministic
/// application is what turns that into servers that agree.
/// </remarks>
public interface IStateMachine
{
    /// <summary>
    /// Applies the committed command at log index <paramref name="index"/> and returns its result for the client.
    /// Called once per index, in index order, starting from 1 after every (re)start.
    /// A command it does not understand gets an error result, never an exception: every server applies the
    /// same bad command, and each must answer it the same way.
    /// </summary>
    string Apply(long index, string command);

    /// <summary>
    /// Why <paramref name="command"/> cannot be applied, or null if it can. A node asks before it appends a client's
    /// command, so a bad one is refused with this sentence and never enters the log. Every command is fine by default.
    /// </summary>
    string? Validate(string command) => null;

    /// <summary>True if <paramref name="command"/> only reads, so it can be answered by ReadIndex without a log entry.</summary>
    bool IsReadOnly(string command) => false;

    /// <summary>Answers a read-only command from the state as it is now (after the entries applied so far), changing nothing.</summary>
    string Query(string command) => throw new NotSupportedException($"{GetType().Name} answers no reads outside the log.");
}
