namespace Raft;

/// <summary>
/// RequestVote RPC (Figure 2): invoked by candidates to gather votes (§5.2).
/// </summary>
/// <param name="Term">Candidate's term.</param>
/// <param name="CandidateId">Candidate requesting vote.</param>
/// <param name="LastLogIndex">Index of candidate's last log entry (§5.4).</param>
/// <param name="LastLogTerm">Term of candidate's last log entry (§5.4).</param>
public sealed record RequestVote(long Term, int CandidateId, long LastLogIndex, long LastLogTerm) : IMessage;
