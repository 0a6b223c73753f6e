namespace Raft;

public sealed partial class RaftNode
{
    // Set each time CommitIndex is set. However often commitIndex rose before the apply loop looks, it wakes once and
    // applies everything up to the latest commitIndex.
    private readonly AsyncSignal _commitAdvanced = new();

    // Commands this node accepted as leader and whose result a client awaits, by log index, with the term they went in.
    private readonly Dictionary<long, (long Term, TaskCompletionSource<string> Client)> _pending = [];

    private long _commitIndex;

    /// <summary>The state machine this node applies committed entries to (§5.3).</summary>
    public IStateMachine StateMachine { get; }

    /// <summary>
    /// Leader only (§5.3, §5.4.2): moves commitIndex up to the highest index stored on a majority of servers, counting
    /// only entries of the current term. Called when a follower acknowledges entries, and after an append (a cluster
    /// of one commits on its own).
    /// </summary>
    public void AdvanceCommitIndex()
    {
        // TODO(ch04): CommitRule: Figure 2, Rules for Servers, Leaders: an entry is committed once the leader knows a majority of the servers store it (its own log counts as one), and only an entry of the leader's current term may be committed by counting replicas; an earlier term's entry commits with it, never by itself (§5.4.2, Figure 8). commitIndex never goes down.
        TodoStandIn.Ran("CommitRule"); // tells the gate this TODO is still open
        // For now nothing is committed, so chapter 3's replication keeps working while you write this.
    }

    /// <summary>
    /// Follower side of commitment (Figure 2, AppendEntries receiver rule 5): after a successful AppendEntries,
    /// learn from the leader how far the log is committed.
    /// </summary>
    public void LearnLeaderCommit(AppendEntries request)
    {
        // TODO(ch04): FollowerCommit: Figure 2, AppendEntries rule 5: a follower learns from leaderCommit how far the log is committed, but no further than this request vouched for: the entries it carried, and what the consistency check proved this log shares with the leader's. Entries beyond that may be a deposed leader's and differ from the real leader's. commitIndex never goes down, whatever order requests arrive in.
        TodoStandIn.Ran("FollowerCommit"); // tells the gate this TODO is still open
        // For now nothing is committed, so chapter 3's replication keeps working while you write this.
    }

    /// <summary>
    /// The walkthrough's apply coroutine: each time commitIndex rises, hand the newly committed entries to the state
    /// machine (Figure 2, All Servers: "If commitIndex > lastApplied: increment lastApplied, apply log[lastApplied]").
    /// </summary>
    private async Task RunApplyLoopAsync(CancellationToken cancellationToken)
    {
        // TODO(ch04): ApplyLoop: One more loop beside the inbox, the heartbeats and the leader check. It sleeps until commitIndex rises (setting CommitIndex sets the signal _commitAdvanced), then applies everything committed so far. Like every loop it waits rather than spins while there is nothing to do, and it stops with the token.
        TodoStandIn.Ran("ApplyLoop"); // tells the gate this TODO is still open
        // For now: wake up and apply nothing, so the loop waits politely while you write the rest.
        while (!cancellationToken.IsCancellationRequested)
        {
            await _commitAdvanced.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Applies every committed entry not applied yet, in index order, and answers the clients waiting on them.
    /// Invariant: lastApplied &lt;= commitIndex; each index is applied exactly once per run of the node.
    /// </summary>
    public void ApplyCommitted()
    {
        // TODO(ch04): Apply: Figure 2, All Servers: every committed entry reaches StateMachine exactly once, in index order, and lastApplied says how far (State Machine Safety, §5.4.3). A client waiting on an index (_pending) is answered when that index is applied: with the result if the entry is the one it submitted (same term), or with SubmitFailure.LeadershipLost if another leader's entry took the index, since then its command was never applied.
        throw new NotImplementedException("TODO(ch04) Apply: Figure 2, All Servers: every committed entry reaches StateMachine exactly once, in index order, and lastApplied says how far (State Machine Safety, §5.4.3). A client waiting on an index (_pending) is answered when that index is applied: with the result if the entry is the one it submitted (same term), or with SubmitFailure.LeadershipLost if another leader's entry took the index, since then its command was never applied.");
    }

    /// <summary>
    /// A client's command, answered once it is committed and applied (§5.3, §8): the task completes with the state
    /// machine's result. It fails with a <see cref="SubmitFailedException"/> if this node does not lead
    /// (<see cref="SubmitFailure.NotLeader"/>, naming the leader it knows), if another leader's entry takes the
    /// command's index (<see cref="SubmitFailure.LeadershipLost"/>), or if the node stops first.
    /// </summary>
    public Task<string> SubmitAsync(string command, CancellationToken cancellationToken = default)
    {
        // TODO(ch04): SubmitAsync: The client's promise: the task completes with the state machine's result only once the command's own entry is applied, never just because it was appended (it may still be overwritten, §5.4.2). A node that does not lead fails the task at once with SubmitFailure.NotLeader and the leader it knows. ApplyCommitted answers the rest, so it must be able to tell which entry was this command's.
        throw new NotImplementedException("TODO(ch04) SubmitAsync: The client's promise: the task completes with the state machine's result only once the command's own entry is applied, never just because it was appended (it may still be overwritten, §5.4.2). A node that does not lead fails the task at once with SubmitFailure.NotLeader and the leader it knows. ApplyCommitted answers the rest, so it must be able to tell which entry was this command's.");
    }

    /// <summary>The node stops: nobody will answer the clients still waiting, so tell them.</summary>
    private void FailPendingOnStop()
    {
        foreach (var (index, waiting) in _pending)
        {
            waiting.Client.TrySetException(new SubmitFailedException(SubmitFailure.Stopped, LeaderId,
                $"Node {Id} stopped before index {index} was applied; the command may still be committed by the next leader."));
        }
        _pending.Clear();
    }
}
