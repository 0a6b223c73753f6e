//@since 04
namespace Raft;

/// <summary>Why <see cref="RaftNode.SubmitAsync"/> could not give a command's result.</summary>
public enum SubmitFailure
{
    /// <summary>This node is not the leader; <see cref="SubmitFailedException.LeaderHint"/> names the one it knows, if any.</summary>
    NotLeader,

    /// <summary>The node lost its leadership and another leader's entry took the command's index: the command was never applied.</summary>
    LeadershipLost,

    /// <summary>The node stopped (crashed or shut down) before the command was applied; it may or may not be applied later.</summary>
    Stopped,
    //@since 07

    /// <summary>The command was refused before it entered the log (<see cref="RaftNode.Refusal"/>): it will never be applied.</summary>
    Invalid,
    //@end
}

/// <summary>
/// A client's command did not get a result. <see cref="Reason"/> says whether it is safe to retry elsewhere:
/// after <see cref="SubmitFailure.NotLeader"/> and <see cref="SubmitFailure.LeadershipLost"/> the command was not
/// applied; after <see cref="SubmitFailure.Stopped"/> nobody knows (§8).
/// </summary>
public sealed class SubmitFailedException(SubmitFailure reason, int? leaderHint, string message) : Exception(message)
{
    public SubmitFailure Reason { get; } = reason;

    /// <summary>The leader the node believes in, for the client to try next; null if it knows none.</summary>
    public int? LeaderHint { get; } = leaderHint;
}
