// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
using Microsoft.Extensions.Logging;

namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>
    /// The universal term rule (Figure 2, Rules for Servers, All Servers): "If RPC request or response
    /// contains term T &gt; currentTerm: set currentTerm = T, convert to follower (§5.1)."
    /// </summary>
    /// <returns>True if <paramref name="term"/> was newer and this node adopted it.</returns>
    public bool ObserveTerm(long term)
    {
        if (term <= CurrentTerm)
        {
            return false;
        }
        _logger.LogInformation("Node {Id} saw term {Term} > its term {CurrentTerm}: adopting it", Id, term, CurrentTerm);
        CurrentTerm = term;
        VotedFor = null;
        BecomeFollower();
        return true;
    }

    // Role changes happen only in the Become* methods (as in etcd's raft), so every change is logged
    // and each role's bookkeeping is set up in one place.

    /// <summary>Becomes a follower of the current term; the leader is unknown until it is heard from.</summary>
    public void BecomeFollower()
    {
        if (Role != Role.Follower)
        {
            _logger.LogInformation("Node {Id} becomes follower in term {Term}", Id, CurrentTerm);
        }
        Role = Role.Follower;
        LeaderId = null;
        // Reads wait for this node to prove it leads; it no longer can.
        FailReads(SubmitFailure.LeadershipLost);
    }

    /// <summary>Becomes a candidate of the current term, with its own vote counted (§5.2).</summary>
    public void BecomeCandidate()
    {
        _logger.LogInformation("Node {Id} becomes candidate in term {Term}", Id, CurrentTerm);
        Role = Role.Candidate;
        LeaderId = null;
        _votesGranted.Clear();
        _votesGranted.Add(Id);
    }

    /// <summary>Becomes the leader of the current term.</summary>
    public void BecomeLeader()
    {
        _logger.LogInformation("Node {Id} becomes leader in term {Term}", Id, CurrentTerm);
        Role = Role.Leader;
        LeaderId = Id;
        InitializeLeaderState();
        _roundAcked.Clear();
        if (Options.NoOpOnElection)
        {
            StartTerm();
        }
    }

    /// <summary>Figure 2, volatile state on leaders: "Reinitialized after election".</summary>
    public void InitializeLeaderState()
    {
        _sentUpTo.Clear();
        foreach (var peer in Peers)
        {
            NextIndex[peer] = LastLogIndex() + 1;
            MatchIndex[peer] = 0;
        }
    }

    /// <summary>
    /// Appoints this node leader of <paramref name="term"/> without an election. Chapter 1 has no
    /// elections yet, so tests and notebooks use this to watch a leader at work; from chapter 2 on,
    /// a node becomes leader only by winning a vote.
    /// </summary>
    public void ForceLeader(long term)
    {
        if (term < CurrentTerm)
        {
            throw new ArgumentOutOfRangeException(nameof(term), term, $"Node {Id} is already in term {CurrentTerm}; a term never goes back.");
        }
        CurrentTerm = term;
        VotedFor = Id;
        BecomeLeader();
    }
}
