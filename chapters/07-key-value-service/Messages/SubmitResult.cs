namespace Raft;

/// <summary>What <see cref="RaftNode.Submit"/> answers a client (§5.3, §8).</summary>
/// <param name="Accepted">True if this node is the leader and appended the command to its log.</param>
/// <param name="Index">The log index the command went to (if accepted).</param>
/// <param name="Term">The term it went in (if accepted): if the entry at <paramref name="Index"/> later has another term, the command was lost.</param>
/// <param name="LeaderHint">If not accepted: the leader this node believes in, for the client to try; null if it knows none.</param>
public sealed record SubmitResult(bool Accepted, long Index, long Term, int? LeaderHint)
{
    public static SubmitResult NotLeader(int? leaderHint) => new(false, 0, 0, leaderHint);
}
