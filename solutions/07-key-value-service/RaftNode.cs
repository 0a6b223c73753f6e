// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Raft;

/// <summary>
/// One Raft server (Figure 2). Like the walkthrough's asyncio node, it runs a few loops at once:
/// the inbox loop handles messages one at a time, the heartbeat loop sends AppendEntries while this
/// node leads, and the leader-check loop notices when no leader has been heard from.
/// All loops run on one thread (the simulator's, or later a socket host's, synchronization context),
/// so two handlers never run at the same time and the state below needs no locks.
/// </summary>
public sealed partial class RaftNode : IRaftNode
{
    private readonly NodeContext _context;
    private readonly ILogger _logger;

    // The walkthrough's asyncio.Queue. Unbounded: the network never waits for a slow node.
    private readonly Channel<Envelope> _inbox = Channel.CreateUnbounded<Envelope>(new UnboundedChannelOptions { SingleReader = true });

    /// <param name="stateMachine">What committed entries are applied to; a fresh <see cref="KeyValueStore"/> if null.</param>
    public RaftNode(NodeContext context, RaftOptions? options = null, IStateMachine? stateMachine = null)
    {
        _context = context;
        _logger = context.Logger;
        Peers = [.. context.Peers];
        Options = options ?? new RaftOptions();
        Options.Validate();
        StateMachine = stateMachine ?? new KeyValueStore();
        // A node (re)starts from what it saved: Figure 2's persistent state. The rest is volatile and starts afresh.
        Restore();
    }

    public int Id => _context.Id;

    /// <summary>The other servers of the cluster.</summary>
    // An ImmutableArray, so that `foreach (var peer in Peers)`, which runs for every message, allocates nothing.
    public ImmutableArray<int> Peers { get; }

    public RaftOptions Options { get; }

    // ---- Persistent state on all servers (Figure 2) ----
    // Public so that tests and notebooks can read it and set up a scenario; during a run only this
    // node's own code writes it.

    /// <summary>Latest term server has seen (initialized to 0 on first boot, increases monotonically).</summary>
    public long CurrentTerm { get; set; }

    /// <summary>CandidateId that received vote in current term (or null if none).</summary>
    public int? VotedFor { get; set; }

    /// <summary>
    /// Log entries; each entry contains command for state machine, and term when entry was received
    /// by leader (first index is 1: the entry at index i is <c>Log[i - 1]</c>).
    /// </summary>
    public List<LogEntry> Log { get; } = [];

    // ---- Volatile state on all servers (Figure 2) ----

    /// <summary>Index of highest log entry known to be committed (initialized to 0, increases monotonically).</summary>
    public long CommitIndex
    {
        get => _commitIndex;
        set
        {
            _commitIndex = value;
            // Wakes the apply loop (§5.3: once committed, an entry is applied).
            _commitAdvanced.Set();
            // And the reads: one may be waiting for an entry of this leader's term to commit (§6.4 of the thesis).
            _readsChanged.Set();
        }
    }

    /// <summary>Index of highest log entry applied to state machine (initialized to 0, increases monotonically).</summary>
    public long LastApplied
    {
        get => _lastApplied;
        set
        {
            _lastApplied = value;
            // A read waits until its read index is applied (§6.4 of the thesis).
            _readsChanged.Set();
        }
    }

    private long _lastApplied;

    // ---- Not in Figure 2, but every implementation keeps them ----

    /// <summary>Follower, candidate or leader (§5.1). Changed only by BecomeFollower and BecomeLeader.</summary>
    public Role Role { get; private set; } = Role.Follower;

    /// <summary>The leader of the current term, if this node has heard from it; lets a follower redirect clients.</summary>
    public int? LeaderId { get; private set; }

    IReadOnlyList<LogEntry> IRaftNode.Log => Log;

    /// <summary>
    /// Runs the node's loops until <paramref name="cancellationToken"/> is cancelled (the walkthrough's
    /// <c>asyncio.gather(...)</c>). If one loop fails, the others are stopped at once so the error
    /// shows now rather than at shutdown.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task[] loops =
        [
            RunInboxLoopAsync(stop.Token),
            RunHeartbeatLoopAsync(stop.Token),
            RunLeaderCheckLoopAsync(stop.Token),
            RunApplyLoopAsync(stop.Token),
            RunReadLoopAsync(stop.Token),
        ];
        await Task.WhenAny(loops);
        stop.Cancel();
        try
        {
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The normal way out: every loop saw the cancellation.
        }
        finally
        {
            FailPendingOnStop();
            FailReads(SubmitFailure.Stopped);
        }
    }

    /// <summary>Puts a message into the inbox; the inbox loop handles it. Never blocks.</summary>
    public void Deliver(Envelope envelope)
    {
        if (!_inbox.Writer.TryWrite(envelope))
        {
            _logger.LogWarning("Node {Id} dropped {Message}: its inbox is closed", Id, envelope.Message);
        }
    }

    /// <summary>Sends a message, after saving everything it may depend on (Figure 2).</summary>
    private void Send(int to, IMessage message)
    {
        message = Stamp(to, message);
        // What leaves here is final: what it promises must already be safe.
        Persist();
        _context.Transport.Send(to, message);
    }
}
