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
        //@before 02
        //~ return Options.ElectionTimeoutMin;
        //@end
        //@since 02
        //@todo 02 ElectionTimeout: Each call draws a fresh timeout, uniformly between Options.ElectionTimeoutMin and Options.ElectionTimeoutMax (both included), from the node's seeded random source (_context.Random). Spread-out random timeouts are what make split votes rare (§5.2); the seeded source is what makes a run replayable from its seed.
        var spread = (Options.ElectionTimeoutMax - Options.ElectionTimeoutMin).Ticks;
        return Options.ElectionTimeoutMin + TimeSpan.FromTicks(_context.Random.NextInt64(spread + 1));
        //@starter
        //~ // For now chapter 1's fixed timeout, so the loops keep running while you work on the rest.
        //~ return Options.ElectionTimeoutMin;
        //@end
        //@end
    }

    /// <summary>No leader was heard from for a whole election timeout.</summary>
    private void OnElectionTimeout()
    {
        //@before 02
        //~ _logger.LogInformation("Node {Id} heard from no leader for {Timeout} ms (chapter 2 starts an election here)",
        //~     Id, Options.ElectionTimeoutMin.TotalMilliseconds);
        //@end
        //@since 02
        // A follower that hears nothing, or a candidate whose election went nowhere, starts a new election (§5.2).
        StartElection();
        //@end
    }
    //@since 02

    // The peers that granted this node their vote in the current term (it votes for itself too).
    private readonly HashSet<int> _votesGranted = [];

    /// <summary>
    /// Starts an election (§5.2): "increment currentTerm, vote for self, reset election timer, send
    /// RequestVote RPCs to all other servers" (Figure 2, Rules for Servers, Candidates).
    /// </summary>
    public void StartElection()
    {
        //@todo 02 StartElection: Figure 2, Rules for Servers, Candidates. An election is a new term: this node stands in it with its own vote (so it can vote for no one else in it), gives the election a whole fresh timeout before it tries again, and asks every other server for its vote, with what §5.4.1 needs to judge its log. A node whose own vote is already a majority (a cluster of one) leads at once.
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
        //@starter
        //~ // For now chapter 1's behaviour: note the timeout and stay a follower, so nothing crashes while you work.
        //~ _logger.LogInformation("Node {Id} heard from no leader (TODO ch02: StartElection)", Id);
        //@end
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
        //@todo 02 UpToDate: §5.4.1: a voter grants its vote only to a candidate whose log is at least as up to date as its own, so that a new leader holds every committed entry (Leader Completeness, §5.4). The last entries' terms decide first; only when they are equal does length count, and equal logs are up to date with each other. Length alone is not the test: a shorter log that ends in a later term wins.
        return lastLogTerm > LastLogTerm() || (lastLogTerm == LastLogTerm() && lastLogIndex >= LastLogIndex());
        //@end
    }
    //@end

    /// <summary>A candidate asks for this node's vote (§5.2).</summary>
    public void HandleRequestVote(int from, RequestVote request)
    {
        //@before 02
        //~ // Chapter 2 decides votes (§5.2, §5.4.1). Until then no node grants one, so nobody is elected.
        //~ Send(from, new RequestVoteReply(CurrentTerm, VoteGranted: false));
        //@end
        //@since 02
        //@todo 02 HandleRequestVote: Figure 2, RequestVote receiver: at most one vote per term, and only for a candidate whose log is at least as up to date as this node's (§5.4.1); a candidate of an older term gets none. A vote granted is remembered (the same candidate asking again gets the same answer) and restarts the election timer; a vote refused does not. Every request is answered, with the current term.
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
        //@starter
        //~ // For now chapter 1's answer, so that every request is still answered: no vote.
        //~ Send(from, new RequestVoteReply(CurrentTerm, VoteGranted: false));
        //@end
        //@end
    }

    /// <summary>A node answered this node's vote request (§5.2).</summary>
    public void HandleRequestVoteReply(int from, RequestVoteReply reply)
    {
        //@before 02
        //~ // Chapter 2 counts votes here. (Dispatch has already applied the term rule to the reply.)
        //@end
        //@since 02
        //@todo 02 CountVotes: A candidate counts each granting peer once, and only replies to its current election: a reply from an older term, or one that arrives after this node stopped being a candidate, counts for nothing. With votes from a majority of the whole cluster it becomes leader and sends heartbeats at once, so the other candidates stand down (§5.2).
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
        //@end
        //@end
    }
}
