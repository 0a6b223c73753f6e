using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Raft.Gate.Ch06;

// RaftClient against stand-in nodes that answer however a test tells them: silent, "not the leader, try N", a closed
// connection, a node that is down, a node that restarts. Its promises are in its doc comments: it asks the leader it
// knows (any node at first), follows a leader hint, gives a silent node one AttemptTimeout, tries the next node on
// silence or a closed connection, pauses between rounds while no node knows a leader (doubling up to MaxPause), and
// returns only an answer to the request it sent.
public sealed class RaftClientTests
{
    /// <summary>What a stand-in node does with a request.</summary>
    private sealed record Answer(ClientReply? Reply, bool Close = false)
    {
        public static readonly Answer Silent = new(Reply: null);
        public static readonly Answer Hangup = new(Reply: null, Close: true);

        public static Answer Ok(ClientRequest r, string result) => new(new ClientReply(r.RequestId, Ok: true, Result: result));

        public static Answer NotLeader(ClientRequest r, int? hint) => new(new ClientReply(r.RequestId, Ok: false, Error: "NotLeader: not me", LeaderHint: hint));
    }

    /// <summary>Every request the stand-in nodes got, in the order they got them.</summary>
    private sealed class Journal
    {
        private readonly List<(int Node, ClientRequest Request)> _seen = [];

        public void Add(int node, ClientRequest request)
        {
            lock (_seen)
            {
                _seen.Add((node, request));
            }
        }

        public int[] Nodes
        {
            get
            {
                lock (_seen)
                {
                    return [.. _seen.Select(s => s.Node)];
                }
            }
        }

        public int Count
        {
            get
            {
                lock (_seen)
                {
                    return _seen.Count;
                }
            }
        }
    }

    /// <summary>A node of a cluster that speaks the wire format to clients and does what <c>behave</c> says.</summary>
    private sealed class FakeNode : IAsyncDisposable
    {
        private readonly Func<ClientRequest, int, Answer> _behave;
        private readonly Journal _journal;
        private readonly List<TcpClient> _clients = [];
        private TcpListener? _listener;
        private CancellationTokenSource _stop = new();
        private int _connections;

        public FakeNode(NodeAddress address, Journal journal, Func<ClientRequest, int, Answer> behave, bool up = true)
        {
            Address = address;
            _journal = journal;
            _behave = behave;
            if (up)
            {
                Start();
            }
        }

        public NodeAddress Address { get; }

        /// <summary>Connections accepted so far, over all the node's lives.</summary>
        public int Connections => Volatile.Read(ref _connections);

        public void Start()
        {
            _stop = new CancellationTokenSource();
            _listener = new TcpListener(IPAddress.Loopback, Address.Port);
            _listener.Start();
            _ = AcceptAsync(_listener, _stop.Token);
        }

        /// <summary>Goes down: the listener and every connection close.</summary>
        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            _listener?.Stop();
            _listener?.Dispose();
            lock (_clients)
            {
                _clients.ForEach(c => c.Dispose());
                _clients.Clear();
            }
        }

        private async Task AcceptAsync(TcpListener listener, CancellationToken stop)
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var client = await listener.AcceptTcpClientAsync(stop);
                    var number = Interlocked.Increment(ref _connections);
                    lock (_clients)
                    {
                        _clients.Add(client);
                    }
                    _ = ServeAsync(client, number, stop);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }

        private async Task ServeAsync(TcpClient client, int connection, CancellationToken stop)
        {
            try
            {
                var stream = client.GetStream();
                var header = new byte[4];
                while (true)
                {
                    await stream.ReadExactlyAsync(header, stop);
                    var payload = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
                    await stream.ReadExactlyAsync(payload, stop);
                    if (MessageCodec.Decode(payload).Message is not ClientRequest request)
                    {
                        return;
                    }
                    _journal.Add(Address.Id, request);
                    var answer = _behave(request, connection);
                    if (answer.Close)
                    {
                        client.Dispose();
                        return;
                    }
                    if (answer.Reply is { } reply)
                    {
                        await stream.WriteAsync(Frames.Frame(MessageCodec.Encode(Address.Id, reply)), stop);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException or EndOfStreamException)
            {
            }
        }

        public async ValueTask DisposeAsync() => await StopAsync();
    }

    private static readonly TimeSpan Attempt = TimeSpan.FromMilliseconds(400);

    /// <summary>
    /// How long a command may take against the stand-ins: every scenario here ends in about a second (the longest is
    /// 12 pauses of at most MaxPause, or one AttemptTimeout), so five is plenty on a loaded machine.
    /// </summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    private static (IReadOnlyList<NodeAddress> Cluster, Journal Journal) Setup(int size) => (NodeAddress.OnLoopback(size), new Journal());

    private static RaftClient Client(IReadOnlyList<NodeAddress> cluster, RecordingTime? time = null) =>
        new(cluster, time) { AttemptTimeout = Attempt };

    /// <summary>Runs the client's command with a deadline, so a client that never gives up fails the test with a sentence.</summary>
    private static async Task<string> Within(Func<CancellationToken, Task<string>> command, string promise)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            return await command(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Assert.Fail($"{promise} (no answer within {Deadline.TotalSeconds:0} s)");
            throw;
        }
    }

    [Fact]
    public async Task The_client_asks_the_first_node_and_then_the_leader_it_names()
    {
        var (cluster, journal) = Setup(3);
        await using var n1 = new FakeNode(cluster[0], journal, (r, _) => Answer.NotLeader(r, 3));
        await using var n2 = new FakeNode(cluster[1], journal, (r, _) => Answer.NotLeader(r, 3));
        await using var n3 = new FakeNode(cluster[2], journal, (r, _) => Answer.Ok(r, "ok"));
        await using var client = Client(cluster);

        var result = await Within(t => client.PutAsync("k", "v", t), "the client never got the command applied");

        result.ShouldBe("ok", "the client returns the leader's answer");
        journal.Nodes.ShouldBe([1, 3], "the client asks node 1 first (it knows no leader yet), then goes straight to node 3, the leader node 1 named, not to the next node in the list");
        client.Leader.ShouldBe(3, "the node that answered is the leader the client now knows");

        await Within(t => client.GetAsync("k", t), "the second command was never answered");
        journal.Nodes.ShouldBe([1, 3, 3], "the next command goes to the leader the client knows");
    }

    [Fact]
    public async Task A_silent_node_costs_one_attempt_timeout_and_the_next_node_is_asked()
    {
        var (cluster, journal) = Setup(3);
        await using var n1 = new FakeNode(cluster[0], journal, (_, _) => Answer.Silent);
        await using var n2 = new FakeNode(cluster[1], journal, (r, _) => Answer.Ok(r, "ok"));
        await using var n3 = new FakeNode(cluster[2], journal, (r, _) => Answer.Ok(r, "ok"));
        var time = new RecordingTime();
        await using var client = Client(cluster, time);

        var result = await Within(t => client.PutAsync("k", "v", t),
            "node 1 took the request and said nothing: the client must give it AttemptTimeout and move on, not wait forever");

        result.ShouldBe("ok", "node 2 answered");
        journal.Nodes.ShouldBe([1, 2], "after node 1's silence the client asks the next node");
        time.Waits.ShouldContain(Attempt, "each attempt has its own limit, AttemptTimeout, on the client's clock");
    }

    [Fact]
    public async Task A_node_that_is_down_is_skipped()
    {
        var (cluster, journal) = Setup(3);
        await using var n1 = new FakeNode(cluster[0], journal, (r, _) => Answer.Ok(r, "ok"), up: false);
        await using var n2 = new FakeNode(cluster[1], journal, (r, _) => Answer.Ok(r, "from 2"));
        await using var client = Client(cluster);

        var result = await Within(t => client.PutAsync("k", "v", t), "node 1 is down (nothing listens): the client must try the next node");

        result.ShouldBe("from 2", "node 2, the next in the list, answered");
        client.Leader.ShouldBe(2, "the client now knows node 2 as the leader");
    }

    [Fact]
    public async Task A_connection_the_node_closes_without_answering_is_dropped_and_the_command_asked_again()
    {
        var (cluster, journal) = Setup(1);
        await using var n1 = new FakeNode(cluster[0], journal, (r, connection) => connection == 1 ? Answer.Hangup : Answer.Ok(r, "second time"));
        await using var client = Client(cluster);

        var result = await Within(t => client.PutAsync("k", "v", t),
            "node 1 closed the first connection without an answer: the client must open a new connection and ask again");

        result.ShouldBe("second time", "the answer came on a new connection");
        n1.Connections.ShouldBe(2, "the broken connection was dropped and a new one made");
    }

    [Fact]
    public async Task A_node_that_restarted_is_reached_on_a_new_connection()
    {
        var (cluster, journal) = Setup(1);
        await using var n1 = new FakeNode(cluster[0], journal, (r, _) => Answer.Ok(r, "ok"));
        await using var client = Client(cluster);
        (await Within(t => client.PutAsync("a", "1", t), "the first command was never answered")).ShouldBe("ok", "the node answers");

        await n1.StopAsync(); // the node goes down, its connections with it...
        n1.Start();           // ...and comes back on the same address

        var result = await Within(t => client.PutAsync("b", "2", t),
            "the node restarted: the client's old connection is dead, and the client must notice and connect again, not keep failing on it");
        result.ShouldBe("ok", "the restarted node answered");
        n1.Connections.ShouldBe(2, "the client connected again after the restart");
        journal.Count.ShouldBe(2, "the node got both commands");
    }

    [Fact]
    public async Task While_no_node_knows_a_leader_the_client_pauses_between_tries_doubling_up_to_MaxPause()
    {
        var (cluster, journal) = Setup(3);
        var asked = 0;
        // No leader for the first 12 requests (an election is on), then node 1 leads.
        Answer Election(ClientRequest r, NodeAddress self) =>
            Interlocked.Increment(ref asked) <= 12 ? Answer.NotLeader(r, null) : self.Id == 1 ? Answer.Ok(r, "ok") : Answer.NotLeader(r, 1);
        await using var n1 = new FakeNode(cluster[0], journal, (r, _) => Election(r, cluster[0]));
        await using var n2 = new FakeNode(cluster[1], journal, (r, _) => Election(r, cluster[1]));
        await using var n3 = new FakeNode(cluster[2], journal, (r, _) => Election(r, cluster[2]));
        var time = new RecordingTime();
        await using var client = Client(cluster, time);

        var result = await Within(t => client.PutAsync("k", "v", t), "the client gave up during the election");

        result.ShouldBe("ok", "once a leader is elected the command is applied");
        journal.Count.ShouldBeGreaterThanOrEqualTo(13, "the client kept asking through the election");
        var pauses = time.Waits.Where(w => w != Attempt).ToList();
        pauses.Count.ShouldBeGreaterThanOrEqualTo(12, "the client pauses after every answer that names no leader: without a pause it would hammer the nodes during an election");
        pauses.Min().ShouldBeGreaterThan(TimeSpan.Zero, "every pause is a real wait");
        pauses.Max().ShouldBeLessThanOrEqualTo(RaftClient.MaxPause, "no pause is longer than MaxPause: an election takes about one election timeout, so a longer pause only adds to the failover the client sees");
        pauses[1].ShouldBeGreaterThan(pauses[0], "the pauses grow while no leader is known");
        pauses[^1].ShouldBe(RaftClient.MaxPause, "the pauses grow until MaxPause and stay there");
    }

    [Fact]
    public async Task A_hint_that_names_no_node_of_the_cluster_is_not_followed()
    {
        var (cluster, journal) = Setup(2);
        await using var n1 = new FakeNode(cluster[0], journal, (r, _) => Answer.NotLeader(r, 9));
        await using var n2 = new FakeNode(cluster[1], journal, (r, _) => Answer.Ok(r, "ok"));
        await using var client = Client(cluster);

        var result = await Within(t => client.PutAsync("k", "v", t), "node 1 named node 9, which is not in the cluster: the client must try the nodes it knows");

        result.ShouldBe("ok", "node 2 answered");
        journal.Nodes.ShouldBe([1, 2], "after a hint it cannot follow, the client asks the next node");
    }

    [Fact]
    public async Task An_answer_to_another_request_is_not_taken_as_the_answer()
    {
        var (cluster, journal) = Setup(1);
        await using var n1 = new FakeNode(cluster[0], journal, (r, connection) => connection == 1
            ? new Answer(new ClientReply(r.RequestId + 100, Ok: true, Result: "someone else's"))
            : Answer.Ok(r, "mine"));
        await using var client = Client(cluster);

        var result = await Within(t => client.PutAsync("k", "v", t), "the client never got an answer to its own request");

        result.ShouldBe("mine", "a reply is taken only for the request it answers (its RequestId); another one means the connection is out of step, so the client drops it and asks again");
    }

    [Fact]
    public async Task A_caller_that_gives_up_stops_the_client()
    {
        var (cluster, journal) = Setup(2);
        await using var n1 = new FakeNode(cluster[0], journal, (r, _) => Answer.NotLeader(r, null));
        await using var n2 = new FakeNode(cluster[1], journal, (r, _) => Answer.NotLeader(r, null));
        await using var client = Client(cluster);
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Should.ThrowAsync<OperationCanceledException>(() => client.PutAsync("k", "v", giveUp.Token),
            "the caller's token ends the command: the client stops retrying and says so with an OperationCanceledException (it reads each answer with TODO(ch06) ReadFrame)");

        journal.Count.ShouldBeGreaterThan(0, "the client did try before the caller gave up");
    }
}
