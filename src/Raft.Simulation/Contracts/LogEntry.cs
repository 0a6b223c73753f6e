namespace Raft;

/// <summary>
/// One entry of the replicated log (Figure 2): a command for the state machine, and the term
/// in which the leader received it. Indexes are 1-based and are not stored in the entry:
/// the entry at index i sits at position i - 1 of the list.
/// </summary>
public sealed record LogEntry(long Term, string Command);
