using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace Raft.Gate.Ch06;

// A node's outgoing connections: one per peer, behind a queue, so that no peer can hold up the node (§5.1: the network
// may lose messages, it must not stop the sender).
public sealed class PeerLinkTests
{
    /// <summary>A stand-in peer: listens on a port and counts the frames it reads.</summary>
    private sealed class FakePeer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TcpClient> _accepted = [];
        private readonly Task _accept;
        private int _frames;

        public FakePeer(int port)
        {
            _listener = new TcpListener(IPAddress.Loopback, port);
            _listener.Start();
            _accept = AcceptAsync();
        }

        public int Frames => Volatile.Read(ref _frames);

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    lock (_accepted)
                    {
                        _accepted.Add(client);
                    }
                    _ = ReadAsync(client);
                }
            }
            // Stopping the listener ends a pending accept with one of these, depending on timing.
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }

        private async Task ReadAsync(TcpClient client)
        {
            try
            {
                while (await Raft.Frames.ReadAsync(client.GetStream(), Raft.Frames.DefaultMaxLength, _stop.Token) is not null)
                {
                    Interlocked.Increment(ref _frames);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or BadFrameException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            lock (_accepted)
            {
                _accepted.ForEach(c => c.Dispose());
            }
            await _accept;
        }
    }

    private static readonly IMessage Heartbeat = new AppendEntries(1, 1, 0, 0, [], 0);

    [Fact]
    public async Task Sending_to_a_peer_that_is_down_returns_at_once_and_keeps_a_bounded_queue()
    {
        var ports = Live.FreePorts(1); // nothing listens there
        await using var transport = new TcpTransport(1, [new NodeAddress(2, "127.0.0.1", ports[0])], NullLogger.Instance, TimeProvider.System);

        await Live.Returns(() =>
        {
            for (var i = 0; i < 3 * PeerLink.QueueCapacity; i++)
            {
                transport.Send(2, Heartbeat);
            }
        }, "sending to a dead peer must return at once, even with its queue full: a node that waits on one peer stops its heartbeats to all (TODO(ch06) NeverBlock, §5.1)");

        transport.Links[2].Queued.ShouldBeLessThanOrEqualTo(PeerLink.QueueCapacity,
            "messages for a dead peer must not pile up without limit: drop the oldest when the queue is full (TODO(ch06) NeverBlock, §5.1)");
        transport.Links[2].Queued.ShouldBeGreaterThan(0, "the newest messages wait for the peer to come back (TODO(ch06) NeverBlock)");
    }

    [Fact]
    public async Task A_peer_that_is_down_does_not_stall_the_others()
    {
        var ports = Live.FreePorts(2);
        await using var alive = new FakePeer(ports[1]);
        await using var transport = new TcpTransport(1,
            [new NodeAddress(2, "127.0.0.1", ports[0]), new NodeAddress(3, "127.0.0.1", ports[1])], NullLogger.Instance, TimeProvider.System);

        await Live.Returns(() =>
        {
            for (var i = 0; i < 2000; i++)
            {
                transport.Send(2, Heartbeat); // node 2 is down
            }
            transport.Send(3, Heartbeat);
        }, "sending to a dead peer blocked the sender (TODO(ch06) NeverBlock, §5.1)");

        await Live.Until(() => alive.Frames >= 1,
            "node 3 is up, but the message for it never arrived while node 2 was down: one dead peer stalled the others (§5.1; TODO(ch06) NeverBlock)");
    }

    [Fact]
    public async Task A_peer_that_restarts_is_reconnected()
    {
        var port = Live.FreePorts(1)[0];
        await using var transport = new TcpTransport(1, [new NodeAddress(2, "127.0.0.1", port)], NullLogger.Instance, TimeProvider.System);
        var first = new FakePeer(port);
        await Live.Until(() =>
        {
            transport.Send(2, Heartbeat);
            return first.Frames >= 1;
        }, "the peer is up but never got a message (TODO(ch06) NeverBlock)");

        await first.DisposeAsync(); // the peer goes down...
        await using var second = new FakePeer(port); // ...and comes back on the same address

        // A leader keeps sending heartbeats; one must get through once the link has noticed and reconnected.
        await Live.Until(() =>
        {
            transport.Send(2, Heartbeat);
            return second.Frames >= 1;
        }, "after the peer restarted, no message reached it: the link must drop the dead connection and connect again (TODO(ch06) Backoff)");
        transport.Links[2].Connections.ShouldBeGreaterThanOrEqualTo(2, "the link made a new connection to the restarted peer");
    }

    [Fact]
    public void The_pause_between_attempts_doubles_up_to_the_limit_with_jitter()
    {
        var backoff = PeerLink.MinBackoff;
        var random = new Random(1);
        var pauses = new List<TimeSpan>();
        var backoffs = new List<TimeSpan>();
        for (var i = 0; i < 12; i++)
        {
            backoffs.Add(backoff);
            pauses.Add(PeerLink.NextPause(ref backoff, random));
        }

        for (var i = 0; i < pauses.Count; i++)
        {
            pauses[i].ShouldBeGreaterThanOrEqualTo(backoffs[i], $"attempt {i + 1} waits at least the current backoff (TODO(ch06) Backoff)");
            pauses[i].ShouldBeLessThanOrEqualTo(backoffs[i] * 1.5, $"attempt {i + 1}'s jitter stays within half the backoff (TODO(ch06) Backoff)");
        }
        backoffs[1].ShouldBe(PeerLink.MinBackoff * 2, "the backoff doubles after a failure (TODO(ch06) Backoff)");
        backoffs[^1].ShouldBe(PeerLink.MaxBackoff, "the backoff stops growing at MaxBackoff, so a peer that returns is found within a second (TODO(ch06) Backoff)");
        var other = new Random(2);
        var start = PeerLink.MinBackoff * 8;
        var again = start;
        Enumerable.Range(0, 8).Select(_ => PeerLink.NextPause(ref again, other)).ShouldNotBe(
            pauses.Skip(3).Take(8), "two nodes must not retry in step: the pauses carry randomness (TODO(ch06) Backoff)");
    }
}
