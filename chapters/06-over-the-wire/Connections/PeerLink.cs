using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Raft;

/// <summary>
/// This node's one outgoing connection to a peer. The node hands it frames and moves on: a queue between them means
/// that a slow, dead or restarting peer costs the node nothing but that peer's messages. A background loop connects,
/// writes what is queued, and on any failure drops the connection and connects again after a growing, jittered pause.
/// Messages lost on the way are what Raft already expects of a network (§5.1); the next heartbeat repairs them.
/// </summary>
public sealed class PeerLink : IAsyncDisposable
{
    /// <summary>Frames kept for a peer that is not reading; the oldest go first when it is full.</summary>
    public const int QueueCapacity = 1024;

    public static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    private readonly Channel<byte[]> _queue = Channel.CreateBounded<byte[]>(
        new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private long _connections;

    public PeerLink(int from, NodeAddress peer, ILogger logger, TimeProvider time)
    {
        From = from;
        Peer = peer;
        _logger = logger;
        _time = time;
        _run = RunAsync(_stop.Token);
    }

    public int From { get; }

    public NodeAddress Peer { get; }

    /// <summary>Frames waiting to be written.</summary>
    public int Queued => _queue.Reader.Count;

    /// <summary>How many times a connection to the peer was made.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Queues a frame for the peer and returns at once, whatever state the peer is in.</summary>
    public void Enqueue(byte[] frame)
    {
        // TODO(ch06): NeverBlock: The node's loops call this for every message they send, so it must return at once even when the peer is dead, slow or unreachable: a node that waits on one peer stops sending heartbeats to the others and a healthy cluster loses its leader. Queue the frame and let the connection loop write it; when the queue is full, losing a message is allowed (Raft retries: §5.1, §5.3), blocking is not.
        throw new NotImplementedException("TODO(ch06) NeverBlock: The node's loops call this for every message they send, so it must return at once even when the peer is dead, slow or unreachable: a node that waits on one peer stops sending heartbeats to the others and a healthy cluster loses its leader. Queue the frame and let the connection loop write it; when the queue is full, losing a message is allowed (Raft retries: §5.1, §5.3), blocking is not.");
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        // Let the constructor return before the first connection attempt.
        await Task.Yield();
        var backoff = MinBackoff;
        var random = new Random(From * 1000 + Peer.Id);
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
            catch (Exception e) when (e is SocketException or IOException)
            {
                _logger.LogDebug("Node {From} lost or cannot reach node {Peer} at {Address} ({Reason})", From, Peer.Id, Peer, e.Message);
            }
            if (Connections != connectedBefore)
            {
                backoff = MinBackoff; // the peer was there: look for it again soon
            }
            try
            {
                await Task.Delay(NextPause(ref backoff, random), _time, cancellationToken);
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

    /// <summary>The pause before the next attempt; doubles each failure up to <see cref="MaxBackoff"/>.</summary>
    public static TimeSpan NextPause(ref TimeSpan backoff, Random random)
    {
        // TODO(ch06): Backoff: A peer that is down must not be hammered with connection attempts (on a real network that is a storm when a whole rack comes back), yet one that returns should be found quickly. Wait longer after each failure, doubling from MinBackoff up to MaxBackoff, with some randomness so that nodes do not all retry in step. (RunAsync starts the backoff over after a connection that worked.)
        throw new NotImplementedException("TODO(ch06) Backoff: A peer that is down must not be hammered with connection attempts (on a real network that is a storm when a whole rack comes back), yet one that returns should be found quickly. Wait longer after each failure, doubling from MinBackoff up to MaxBackoff, with some randomness so that nodes do not all retry in step. (RunAsync starts the backoff over after a connection that worked.)");
    }

    private async Task ConnectAndWriteAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(Peer.Host, Peer.Port, cancellationToken);
        Interlocked.Increment(ref _connections);
        _logger.LogDebug("Node {From} connected to node {Peer} at {Address}", From, Peer.Id, Peer);
        var stream = client.GetStream();
        while (await _queue.Reader.WaitToReadAsync(cancellationToken))
        {
            while (_queue.Reader.TryRead(out var frame))
            {
                await stream.WriteAsync(frame, cancellationToken);
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
