namespace Raft;

/// <summary>The answer to a <see cref="RequestVote"/> (Figure 2).</summary>
/// <param name="Term">currentTerm, for candidate to update itself.</param>
/// <param name="VoteGranted">True means candidate received vote.</param>
public sealed record RequestVoteReply(long Term, bool VoteGranted) : IMessage;
