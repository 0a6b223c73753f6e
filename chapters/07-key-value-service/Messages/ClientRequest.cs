namespace Raft;

/// <summary>A client's command for the state machine (a <see cref="KeyValueStore"/> command), sent to any node.</summary>
/// <param name="RequestId">Chosen by the client; the reply carries it back.</param>
public sealed record ClientRequest(long RequestId, string Command);
