using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace Raft.Gate.Ch06;

// A node's outgoing connections: one per peer, behind a queue, so that no peer can hold up the node (§5.1: the network
// may lose messages, it must not stop the sender).
public sealed class PeerLinkTests
{
    /// <summary>A stand-in peer: listens on a port and keeps the messages it reads.</summary>
    private sealed class FakePeer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TcpClient> _accepted = [];
        private readonly List<object> _messages = [];
        private readonly Task _accept;
        private int _frames;

        public FakePeer(int port)
        {
            _listener = new TcpListener(IPAddress.Loopback, port);
            _listener.Start();
            _accept = AcceptAsync();
        }

        public int Frames => Volatile.Read(ref _frames);

        /// <summary>The messages read so far, in the order they arrived.</summary>
        public IReadOnlyList<object> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

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
                while (await Raft.Frames.ReadAsync(client.GetStream(), Raft.Frames.DefaultMaxLength, _stop.Token) is { } payload)
                {
                    lock (_messages)
                    {
                        _messages.Add(MessageCodec.Decode(payload).Message);
                    }
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
            "node 3 is up, but the message for it never arrived while node 2 was down: one dead peer stalled the others (§5.1; TODO(ch06) NeverBlock)", Live.Quick);
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
            pauses.Add(PeerLink.NextPause(ref backoff, PeerLink.MaxBackoff, random));
        }
        pauses.Count.ShouldBe(12, "twelve attempts were paused");

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
        Enumerable.Range(0, 8).Select(_ => PeerLink.NextPause(ref again, PeerLink.MaxBackoff, other)).ShouldNotBe(
            pauses.Skip(3).Take(8), "two nodes must not retry in step: the pauses carry randomness (TODO(ch06) Backoff)");
    }

    [Fact]
    public void The_pause_never_exceeds_the_limit_it_is_given()
    {
        var small = TimeSpan.FromMilliseconds(120);
        var backoff = PeerLink.MinBackoff;
        var random = new Random(3);
        var pauses = Enumerable.Range(0, 10).Select(_ => PeerLink.NextPause(ref backoff, small, random)).ToList();

        pauses.Count.ShouldBe(10, "ten attempts were paused");
        backoff.ShouldBe(small, "the backoff doubles up to the limit it is given (for a peer reached before: a fraction of the election timeout), not to MaxBackoff (TODO(ch06) Backoff)");
        pauses.Max().ShouldBeLessThanOrEqualTo(small * 1.5, "no pause goes past the limit and its jitter (TODO(ch06) Backoff)");
        pauses[0].ShouldBeLessThan(PeerLink.MinBackoff * 2, "the first pause starts from the backoff given, MinBackoff (TODO(ch06) Backoff)");
    }

    [Fact]
    public async Task A_full_queue_keeps_the_newest_messages()
    {
        var port = Live.FreePorts(1)[0];
        await using var transport = new TcpTransport(1, [new NodeAddress(2, "127.0.0.1", port)], NullLogger.Instance, TimeProvider.System);
        var sent = PeerLink.QueueCapacity + 500;
        await Live.Returns(() =>
        {
            for (var i = 1; i <= sent; i++)
            {
                transport.Send(2, new AppendEntries(1, 1, i, 1, [], 0)); // numbered by prevLogIndex
            }
        }, "sending to a dead peer must return at once (TODO(ch06) NeverBlock)");

        await using var peer = new FakePeer(port);
        await Live.Until(() => peer.Frames >= 1 && transport.Links[2].Queued == 0,
            "the peer came up but the queued messages never reached it (TODO(ch06) NeverBlock)");
        // One more message once the queue is empty: a connection keeps order, so when it arrives, all before it has.
        transport.Send(2, new AppendEntries(1, 1, sent + 1, 1, [], 0));
        await Live.Until(() => peer.Messages.OfType<AppendEntries>().Any(m => m.PrevLogIndex == sent + 1),
            "a message sent to a peer that is up never arrived (TODO(ch06) NeverBlock)", Live.Quick);
        peer.Messages.OfType<AppendEntries>().Any(m => m.PrevLogIndex == sent).ShouldBeTrue(
            $"the newest message sent while the peer was down (number {sent}) must reach it: when the queue is full, the oldest messages make room for the newest, which are what the peer needs (§5.3; TODO(ch06) NeverBlock)");

        var numbers = peer.Messages.OfType<AppendEntries>().Select(m => m.PrevLogIndex).ToList();
        numbers.Count.ShouldBeLessThanOrEqualTo(PeerLink.QueueCapacity + 1, "at most a queue's worth of messages waited for the peer, then the one sent after (TODO(ch06) NeverBlock)");
        numbers.ShouldNotContain(1, "the oldest message was dropped to make room: a full queue drops from its old end (TODO(ch06) NeverBlock)");
    }

    [Fact]
    public async Task Messages_of_a_term_that_is_over_are_not_delivered_when_the_peer_returns()
    {
        var port = Live.FreePorts(1)[0];
        await using var transport = new TcpTransport(1, [new NodeAddress(2, "127.0.0.1", port)], NullLogger.Instance, TimeProvider.System);
        // A node that cannot reach its peers stands for election again and again: one RequestVote per term.
        for (var term = 1; term <= 30; term++)
        {
            transport.Send(2, new RequestVote(term, 1, 0, 0));
        }

        await using var peer = new FakePeer(port);
        await Live.Until(() => peer.Frames >= 1 && transport.Links[2].Queued == 0, "the peer came up but no queued message reached it (TODO(ch06) NeverBlock)");

        var terms = peer.Messages.OfType<RequestVote>().Select(m => m.Term).ToList();
        terms.ShouldBe([30L], "only the RequestVote of the newest term (30) is news when the peer returns: the 29 of terms that are over would arrive in a burst, each " +
            "one answered for nothing (§5.1: a message of an older term is stale)");
        transport.Links[2].StaleDropped.ShouldBe(29, "the link dropped the 29 stale messages unsent");
    }

    [Fact]
    public async Task A_peer_reached_before_is_tried_again_soon_however_long_it_is_gone()
    {
        var port = Live.FreePorts(1)[0];
        var time = new RecordingTime();
        var contacted = TimeSpan.FromMilliseconds(100);
        await using var transport = new TcpTransport(1, [new NodeAddress(2, "127.0.0.1", port)], NullLogger.Instance, time, contacted);

        // Down at first: the link backs off further and further.
        await Live.Until(() => time.Waits.Count >= 4, "the link to a dead peer never paused between attempts (TODO(ch06) Backoff)");
        var beforeContact = time.Waits.Max();

        var peer = new FakePeer(port);
        await Live.Until(() =>
        {
            transport.Send(2, Heartbeat);
            return peer.Frames >= 1;
        }, "the peer came up but the link never reached it (TODO(ch06) Backoff)");
        var reached = time.Waits.Count;

        // Then gone for long: many failed attempts.
        await peer.DisposeAsync();
        var limit = contacted * 1.5;
        await Live.Until(() =>
        {
            transport.Send(2, Heartbeat); // a leader keeps sending; a write is how the link learns the peer is gone
            var waits = time.Waits.Skip(reached).ToList();
            // Ten attempts, or the first pause that is already too long (no need to wait for the rest).
            return waits.Count >= 10 || waits.Any(w => w > limit) || (waits.Count > 0 && waits[0] > PeerLink.MinBackoff * 1.5);
        }, "the link stopped trying to reach a peer that went down (TODO(ch06) Backoff)");

        var after = time.Waits.Skip(reached).ToList();
        beforeContact.ShouldBeGreaterThan(contacted * 1.5, "before the peer was ever reached the backoff grew past the short limit (as it should for a node that may not exist)");
        after[0].ShouldBeLessThanOrEqualTo(PeerLink.MinBackoff * 1.5, "after a connection that worked, the backoff starts over from MinBackoff: the peer was there a moment ago");
        after.Max().ShouldBeLessThanOrEqualTo(limit, "a peer reached before is a member that went down: however long it is gone, the link tries again within the short " +
            "limit (here 100 ms and its jitter), so when it restarts it hears from this node before its election timer runs out, and does not depose a healthy leader (§5.2)");
    }
}
