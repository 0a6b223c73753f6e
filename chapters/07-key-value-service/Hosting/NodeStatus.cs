namespace Raft;

/// <summary>A snapshot of a running node, read on its event loop.</summary>
public sealed record NodeStatus(int Id, Role Role, long CurrentTerm, int? LeaderId, int LogLength, long CommitIndex, long LastApplied);
