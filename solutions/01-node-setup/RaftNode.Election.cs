// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
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
        return Options.ElectionTimeoutMin;
    }

    /// <summary>No leader was heard from for a whole election timeout.</summary>
    private void OnElectionTimeout()
    {
        _logger.LogInformation("Node {Id} heard from no leader for {Timeout} ms (chapter 2 starts an election here)",
            Id, Options.ElectionTimeoutMin.TotalMilliseconds);
    }

    /// <summary>A candidate asks for this node's vote (§5.2).</summary>
    public void HandleRequestVote(int from, RequestVote request)
    {
        // Chapter 2 decides votes (§5.2, §5.4.1). Until then no node grants one, so nobody is elected.
        Send(from, new RequestVoteReply(CurrentTerm, VoteGranted: false));
    }

    /// <summary>A node answered this node's vote request (§5.2).</summary>
    public void HandleRequestVoteReply(int from, RequestVoteReply reply)
    {
        // Chapter 2 counts votes here. (Dispatch has already applied the term rule to the reply.)
    }
}
