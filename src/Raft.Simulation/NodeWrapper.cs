namespace Raft;

/// <summary>
/// A node that hands everything to another node. Override <see cref="Deliver"/> to change what it receives: the
/// notebooks plant a mistake this way (a follower that skips a check, a voter that forgets its vote) around the
/// learner's own node, so the simulator can show what the rule prevents.
/// </summary>
public class NodeWrapper<TNode>(TNode inner) : IRaftNode where TNode : IRaftNode
{
    /// <summary>The wrapped node.</summary>
    public TNode Inner => inner;

    public int Id => inner.Id;

    public Role Role => inner.Role;

    public long CurrentTerm => inner.CurrentTerm;

    public int? VotedFor => inner.VotedFor;

    public IReadOnlyList<LogEntry> Log => inner.Log;

    public long CommitIndex => inner.CommitIndex;

    public long LastApplied => inner.LastApplied;

    public Task RunAsync(CancellationToken cancellationToken) => inner.RunAsync(cancellationToken);

    public virtual void Deliver(Envelope envelope) => inner.Deliver(envelope);
}
