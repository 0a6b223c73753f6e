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

    //@before 04
    //~ public RaftNode(NodeContext context, RaftOptions? options = null)
    //@end
    //@since 04
    /// <param name="stateMachine">What committed entries are applied to; a fresh <see cref="KeyValueStore"/> if null.</param>
    public RaftNode(NodeContext context, RaftOptions? options = null, IStateMachine? stateMachine = null)
    //@end
    {
        _context = context;
        _logger = context.Logger;
        Peers = [.. context.Peers];
        Options = options ?? new RaftOptions();
        Options.Validate();
        //@since 04
        StateMachine = stateMachine ?? new KeyValueStore();
        //@end
        //@since 05
        // A node (re)starts from what it saved: Figure 2's persistent state. The rest is volatile and starts afresh.
        Restore();
        //@end
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
    //@before 04
    //~ public long CommitIndex { get; set; }
    //@end
    //@since 04
    public long CommitIndex
    {
        get => _commitIndex;
        set
        {
            _commitIndex = value;
            // Wakes the apply loop (§5.3: once committed, an entry is applied).
            _commitAdvanced.Set();
            //@since 07
            // And the reads: one may be waiting for an entry of this leader's term to commit (§6.4 of the thesis).
            _readsChanged.Set();
            //@end
        }
    }
    //@end

    /// <summary>Index of highest log entry applied to state machine (initialized to 0, increases monotonically).</summary>
    //@before 07
    //~ public long LastApplied { get; set; }
    //@end
    //@since 07
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
    //@end

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
            //@since 04
            RunApplyLoopAsync(stop.Token),
            //@end
            //@since 07
            RunReadLoopAsync(stop.Token),
            //@end
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
        //@since 04
        finally
        {
            FailPendingOnStop();
            //@since 07
            FailReads(SubmitFailure.Stopped);
            //@end
        }
        //@end
    }

    /// <summary>Puts a message into the inbox; the inbox loop handles it. Never blocks.</summary>
    public void Deliver(Envelope envelope)
    {
        if (!_inbox.Writer.TryWrite(envelope))
        {
            _logger.LogWarning("Node {Id} dropped {Message}: its inbox is closed", Id, envelope.Message);
        }
    }

    //@before 05
    //~ private void Send(int to, IMessage message) => _context.Transport.Send(to, message);
    //@end
    //@since 05
    /// <summary>Sends a message, after saving everything it may depend on (Figure 2).</summary>
    private void Send(int to, IMessage message)
    {
        //@since 07
        message = Stamp(to, message);
        //@end
        // What leaves here is final: what it promises must already be safe.
        //@todo 05 PersistBeforeSend: Figure 2: persistent state is "updated on stable storage before responding to RPCs". Every message this node sends (a vote, a reply that acknowledges entries, a request in its new term) promises something about its term, its vote or its log; once the message is out, a crash must not be able to take the promise back. So nothing leaves before what it depends on is saved.
        Persist();
        _context.Transport.Send(to, message);
        //@starter
        //~ // For now: send without saving, as chapters 1 to 4 did.
        //~ _context.Transport.Send(to, message);
        //@end
    }
    //@end
}
