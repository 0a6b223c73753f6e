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
        if (Role != Role.Leader)
        {
            return;
        }
        // The N of Figure 2 worth trying is the highest index a majority holds. Sort what each server is known to hold
        // (the leader holds its whole log); with the values ascending, the one at (count - 1) / 2 is held by that server
        // and every server after it: a majority. No higher index is. Trying only this N is enough: terms never fall
        // along a log, so if log[N] is of an earlier term, so is every entry before it, and none of them may be
        // committed by counting; the leader's next entry of its own term will commit them all at once (Figure 8).
        Span<long> matched = stackalloc long[Peers.Length + 1];
        matched[0] = LastLogIndex(); // the leader's own copy
        for (var i = 0; i < Peers.Length; i++)
        {
            matched[i + 1] = MatchIndex.GetValueOrDefault(Peers[i]);
        }
        matched.Sort();
        var n = matched[(matched.Length - 1) / 2];
        if (n > CommitIndex && TermAt(n) == CurrentTerm)
        {
            CommitIndex = n;
        }
    }

    /// <summary>
    /// Follower side of commitment (Figure 2, AppendEntries receiver rule 5): after a successful AppendEntries,
    /// learn from the leader how far the log is committed.
    /// </summary>
    public void LearnLeaderCommit(AppendEntries request)
    {
        var lastNew = request.PrevLogIndex + request.Entries.Count;
        var next = Math.Min(request.LeaderCommit, lastNew);
        if (next > CommitIndex)
        {
            CommitIndex = next;
        }
    }

    /// <summary>
    /// The walkthrough's apply coroutine: each time commitIndex rises, hand the newly committed entries to the state
    /// machine (Figure 2, All Servers: "If commitIndex > lastApplied: increment lastApplied, apply log[lastApplied]").
    /// </summary>
    private async Task RunApplyLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await _commitAdvanced.WaitAsync(cancellationToken);
            ApplyCommitted();
        }
    }

    /// <summary>
    /// Applies every committed entry not applied yet, in index order, and answers the clients waiting on them.
    /// Invariant: lastApplied &lt;= commitIndex; each index is applied exactly once per run of the node.
    /// </summary>
    public void ApplyCommitted()
    {
        while (LastApplied < CommitIndex)
        {
            var index = LastApplied + 1;
            var entry = Log[(int)(index - 1)];
            var result = StateMachine.Apply(index, entry.Command);
            LastApplied = index;
            if (_pending.Remove(index, out var waiting))
            {
                // One leader per term (§5.2), so the same index and term means the same entry.
                if (waiting.Term == entry.Term)
                {
                    waiting.Client.TrySetResult(result);
                }
                else
                {
                    waiting.Client.TrySetException(new SubmitFailedException(SubmitFailure.LeadershipLost, LeaderId,
                        $"Node {Id} lost its leadership: index {index} went to another leader's entry of term {entry.Term}, so the command it " +
                        $"accepted in term {waiting.Term} was never applied. Retry it with the current leader."));
                }
            }
        }
    }

    /// <summary>
    /// A client's command, answered once it is committed and applied (§5.3, §8): the task completes with the state
    /// machine's result. It fails with a <see cref="SubmitFailedException"/> if this node does not lead
    /// (<see cref="SubmitFailure.NotLeader"/>, naming the leader it knows), if another leader's entry takes the
    /// command's index (<see cref="SubmitFailure.LeadershipLost"/>), or if the node stops first.
    /// </summary>
    public Task<string> SubmitAsync(string command, CancellationToken cancellationToken = default)
    {
        var accepted = Submit(command);
        if (!accepted.Accepted)
        {
            return Task.FromException<string>(new SubmitFailedException(SubmitFailure.NotLeader, accepted.LeaderHint,
                $"Node {Id} is not the leader; " + (accepted.LeaderHint is { } hint ? $"try node {hint}." : "it knows no leader yet: retry soon.")));
        }
        // Continuations run later, on the node's own loop, never inside ApplyCommitted.
        var result = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[accepted.Index] = (accepted.Term, result);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() => result.TrySetCanceled(cancellationToken));
        }
        return result.Task;
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
