using Microsoft.Extensions.Logging;

namespace Raft;

public sealed partial class RaftNode
{
    // When the election timer runs out, unless it is reset first (§5.2).
    private DateTimeOffset _electionDeadline;

    /// <summary>When the election timer runs out unless it is reset first (§5.2); read by tests and notebooks.</summary>
    public DateTimeOffset ElectionDeadline => _electionDeadline;

    /// <summary>
    /// The walkthrough's leader-check coroutine: sleep until the election deadline; if it has not
    /// moved meanwhile (no leader was heard from), act on the timeout. Handlers reset the timer by
    /// moving the deadline, so hearing from the leader costs no timer at all.
    /// </summary>
    private async Task RunLeaderCheckLoopAsync(CancellationToken cancellationToken)
    {
        ResetElectionTimer();
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = _electionDeadline - _context.Time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                // Task.Delay counts whole milliseconds: it would round a 0.4 ms wait down to none and
                // spin here forever. Round up instead.
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), _context.Time, cancellationToken);
                continue;
            }
            ResetElectionTimer();
            if (Role != Role.Leader)
            {
                OnElectionTimeout();
            }
        }
    }

    /// <summary>Starts the election timeout afresh from now.</summary>
    public void ResetElectionTimer() => _electionDeadline = _context.Time.GetUtcNow() + NextElectionTimeout();

    /// <summary>How long to wait for a leader before suspecting it is gone.</summary>
    public TimeSpan NextElectionTimeout()
    {
        var spread = (Options.ElectionTimeoutMax - Options.ElectionTimeoutMin).Ticks;
        return Options.ElectionTimeoutMin + TimeSpan.FromTicks(_context.Random.NextInt64(spread + 1));
    }

    /// <summary>No leader was heard from for a whole election timeout.</summary>
    private void OnElectionTimeout()
    {
        // A follower that hears nothing, or a candidate whose election went nowhere, starts a new election (§5.2).
        StartElection();
    }

    // The peers that granted this node their vote in the current term (it votes for itself too).
    private readonly HashSet<int> _votesGranted = [];

    /// <summary>
    /// Starts an election (§5.2): "increment currentTerm, vote for self, reset election timer, send
    /// RequestVote RPCs to all other servers" (Figure 2, Rules for Servers, Candidates).
    /// </summary>
    public void StartElection()
    {
        CurrentTerm++;
        VotedFor = Id;
        BecomeCandidate();
        ResetElectionTimer();
        if (HasMajority(_votesGranted.Count))
        {
            BecomeLeader();
            SendHeartbeats();
            return;
        }
        var request = new RequestVote(CurrentTerm, Id, LastLogIndex(), LastLogTerm());
        foreach (var peer in Peers)
        {
            Send(peer, request);
        }
    }

    /// <summary>True if <paramref name="count"/> servers are a majority of the whole cluster (§5.2).</summary>
    public bool HasMajority(int count) => count * 2 > _context.ClusterSize;

    /// <summary>
    /// §5.4.1: "Raft determines which of two logs is more up-to-date by comparing the index and term of the
    /// last entries in the logs. If the logs have last entries with different terms, then the log with the
    /// later term is more up-to-date. If the logs end with the same term, then whichever log is longer is
    /// more up-to-date."
    /// </summary>
    /// <returns>True if a log ending at (<paramref name="lastLogTerm"/>, <paramref name="lastLogIndex"/>) is at least as up to date as this node's.</returns>
    public bool IsAtLeastAsUpToDate(long lastLogTerm, long lastLogIndex)
    {
        return lastLogTerm > LastLogTerm() || (lastLogTerm == LastLogTerm() && lastLogIndex >= LastLogIndex());
    }

    /// <summary>A candidate asks for this node's vote (§5.2).</summary>
    public void HandleRequestVote(int from, RequestVote request)
    {
        // Dispatch applied the term rule first: a newer term has already cleared VotedFor.
        var granted = request.Term == CurrentTerm
                      && (VotedFor is null || VotedFor == request.CandidateId)
                      && IsAtLeastAsUpToDate(request.LastLogTerm, request.LastLogIndex);
        if (granted)
        {
            VotedFor = request.CandidateId;
            // Only a granted vote resets the timer: a node that keeps denying votes must still be able
            // to stand for election itself (§5.2; Figure 2, Followers).
            ResetElectionTimer();
        }
        Send(from, new RequestVoteReply(CurrentTerm, granted));
    }

    /// <summary>A node answered this node's vote request (§5.2).</summary>
    public void HandleRequestVoteReply(int from, RequestVoteReply reply)
    {
        if (Role != Role.Candidate || reply.Term != CurrentTerm || !reply.VoteGranted)
        {
            return;
        }
        _votesGranted.Add(from);
        if (HasMajority(_votesGranted.Count))
        {
            BecomeLeader();
            SendHeartbeats();
        }
    }
}
