//@since 06
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Raft;

/// <summary>
/// This node's one outgoing connection to a peer. The node hands it frames and moves on: a queue between them means
/// that a slow, dead or restarting peer costs the node nothing but that peer's messages. A background loop connects,
/// writes what is queued, and on any failure drops the connection and connects again after a growing, jittered pause.
/// Messages lost on the way are what Raft already expects of a network (§5.1); the next heartbeat repairs them.
/// <para>
/// Two things keep a peer that comes back from being disturbed by this link. Once the peer has been reached, the pause
/// between attempts stays below <see cref="ContactedMaxBackoff"/> (a fraction of the election timeout), so a follower
/// that restarts after a long outage hears from its leader before its election timer runs out, instead of standing for
/// election against a healthy leader. And a queued frame of an older term than the newest this node has sent is stale
/// (its term is over: a RequestVote of an election long lost, a heartbeat of a deposed leader): it is dropped, not
/// delivered in a burst when the peer returns.
/// </para>
/// </summary>
public sealed class PeerLink : IAsyncDisposable
{
    /// <summary>Frames kept for a peer that is not reading; the oldest go first when it is full.</summary>
    public const int QueueCapacity = 1024;

    public static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    /// <summary>A frame waiting for the peer, with the term of the message it carries.</summary>
    private readonly record struct Outgoing(long Term, byte[] Frame);

    private readonly Channel<Outgoing> _queue = Channel.CreateBounded<Outgoing>(
        new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private long _connections;
    private long _newestTerm;
    private long _staleDropped;
    //@since 07
    private readonly ClusterKey? _key;
    private string? _lastRefusal;
    //@end

    /// <param name="contactedMaxBackoff">
    /// The longest pause between attempts once the peer has been reached; <see cref="MaxBackoff"/> if null. A node
    /// gives a fraction of its election timeout (see <see cref="TcpTransport"/>).
    /// </param>
    //@before 07
    //~ public PeerLink(int from, NodeAddress peer, ILogger logger, TimeProvider time, TimeSpan? contactedMaxBackoff = null)
    //@end
    //@since 07
    public PeerLink(int from, NodeAddress peer, ILogger logger, TimeProvider time, TimeSpan? contactedMaxBackoff = null, ClusterKey? key = null)
    //@end
    {
        //@since 07
        _key = key;
        //@end
        From = from;
        Peer = peer;
        _logger = logger;
        _time = time;
        ContactedMaxBackoff = contactedMaxBackoff ?? MaxBackoff;
        _run = RunAsync(_stop.Token);
    }

    /// <summary>The longest pause between attempts to a peer that was reached before.</summary>
    public TimeSpan ContactedMaxBackoff { get; }

    public int From { get; }

    public NodeAddress Peer { get; }

    /// <summary>Frames waiting to be written.</summary>
    public int Queued => _queue.Reader.Count;

    /// <summary>How many times a connection to the peer was made.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Queued frames dropped unsent because their term was over.</summary>
    public long StaleDropped => Interlocked.Read(ref _staleDropped);

    /// <summary>
    /// Queues a frame for the peer and returns at once, whatever state the peer is in. <paramref name="term"/> is the
    /// term of the message the frame carries.
    /// </summary>
    public void Enqueue(long term, byte[] frame)
    {
        // Terms only grow, and only the node's loop calls this; the writer reads it from its own thread.
        if (term > Interlocked.Read(ref _newestTerm))
        {
            Interlocked.Exchange(ref _newestTerm, term);
        }
        //@todo 06 NeverBlock: The node's loops call this for every message they send, so it must return at once even when the peer is dead, slow or unreachable: a node that waits on one peer stops sending heartbeats to the others and a healthy cluster loses its leader. Queue the frame (with its term) for the connection loop to write. When the queue is full something must give: losing a message is allowed (Raft retries: §5.1, §5.3), blocking is not, and what the peer should find when it returns is the newest news, not the oldest.
        _queue.Writer.TryWrite(new Outgoing(term, frame));
        //@end
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        // Let the constructor return before the first connection attempt.
        await Task.Yield();
        var backoff = MinBackoff;
        var random = new Random(From * 1000 + Peer.Id);
        var reached = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var connectedBefore = Connections;
            try
            {
                await ConnectAndWriteAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            //@since 07
            catch (ClusterKeyException e)
            {
                // Worth a warning, once per reason: the cluster is misconfigured, and retrying will not fix it.
                var level = e.Message == _lastRefusal ? LogLevel.Debug : LogLevel.Warning;
                _lastRefusal = e.Message;
                _logger.Log(level, "Node {From} cannot talk to node {Peer} at {Address}: {Reason}", From, Peer.Id, Peer, e.Message);
            }
            //@end
            catch (Exception e) when (e is SocketException or IOException)
            {
                _logger.LogDebug("Node {From} lost or cannot reach node {Peer} at {Address} ({Reason})", From, Peer.Id, Peer, e.Message);
            }
            if (Connections != connectedBefore)
            {
                backoff = MinBackoff; // the peer was there: look for it again soon
                reached = true;
            }
            try
            {
                // A peer reached before is a member that went down: when it returns it must hear from this node well
                // within an election timeout, so its pauses stay short however long it is gone.
                await Task.Delay(NextPause(ref backoff, reached ? ContactedMaxBackoff : MaxBackoff, random), _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                // A bug, not the network: say so loudly, since this peer will get no more messages from this node.
                _logger.LogError(e, "Node {From} stopped connecting to node {Peer}: {Reason}", From, Peer.Id, e.Message);
                throw;
            }
        }
    }

    /// <summary>
    /// The pause before the next attempt, from the current <paramref name="backoff"/>; sets the backoff for the attempt
    /// after it, which doubles each failure up to <paramref name="max"/>.
    /// </summary>
    public static TimeSpan NextPause(ref TimeSpan backoff, TimeSpan max, Random random)
    {
        //@todo 06 Backoff: A peer that is down must not be hammered with connection attempts (on a real network that is a storm when a whole rack comes back), yet one that returns should be found quickly. Each failure makes the next wait longer, twice as long, starting from the backoff it is given and never beyond max, and every pause carries some randomness (up to half the backoff on top) so that nodes do not all retry in step. (RunAsync starts the backoff over after a connection that worked, and picks max.)
        var pause = backoff + TimeSpan.FromMilliseconds(random.Next(0, (int)backoff.TotalMilliseconds / 2 + 1));
        backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, max.Ticks));
        return pause;
        //@end
    }

    private async Task ConnectAndWriteAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(Peer.Host, Peer.Port, cancellationToken);
        var stream = client.GetStream();
        //@since 07
        // A connection counts once both sides proved they hold the key: a refused one is no reason to retry sooner.
        if (_key is not null)
        {
            await _key.DialAsync(stream, From, Peer.Id, cancellationToken);
        }
        _lastRefusal = null;
        //@end
        Interlocked.Increment(ref _connections);
        _logger.LogDebug("Node {From} connected to node {Peer} at {Address}", From, Peer.Id, Peer);
        while (await _queue.Reader.WaitToReadAsync(cancellationToken))
        {
            while (_queue.Reader.TryRead(out var outgoing))
            {
                if (outgoing.Term < Interlocked.Read(ref _newestTerm))
                {
                    // Its term is over: a receiver would only refuse it, and a burst of them (a restarted peer finds
                    // every RequestVote of every election it missed) is noise at best.
                    Interlocked.Increment(ref _staleDropped);
                    continue;
                }
                await stream.WriteAsync(outgoing.Frame, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (Exception)
        {
            // The loop's failure was logged when it happened; stopping must still stop.
        }
        _stop.Dispose();
    }
}
