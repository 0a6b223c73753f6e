namespace Raft;

/// <summary>
/// A node's answer to a <see cref="ClientRequest"/>: the state machine's result once the command is committed and
/// applied (<paramref name="Ok"/>), or why not, with the leader the node knows so the client can go there (§8).
/// </summary>
public sealed record ClientReply(long RequestId, bool Ok, string? Result = null, string? Error = null, int? LeaderHint = null);
