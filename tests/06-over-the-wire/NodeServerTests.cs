using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Raft.Gate.Ch06;

// The node on the network: a real cluster on 127.0.0.1, and a listener that meets what a network really brings.
public sealed class NodeServerTests
{
    [Fact]
    public async Task A_three_node_cluster_on_loopback_elects_a_leader_and_commits_what_clients_submit()
    {
        await using var cluster = await LiveCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync("three nodes over TCP never agreed on one leader (§5.2): are peers' messages reaching the inbox? (TODO(ch06) ServeConnection)");

        await using var client = cluster.Client();
        for (var i = 1; i <= 10; i++)
        {
            (await cluster.AskAsync(t => client.PutAsync($"k{i}", $"v{i}", t), $"put k{i} (TODO(ch06) AnswerClient)")).ShouldBe("ok",
                $"put k{i} is acknowledged once applied (§5.3; TODO(ch06) AnswerClient)");
        }
        for (var i = 1; i <= 10; i++)
        {
            (await cluster.AskAsync(t => client.GetAsync($"k{i}", t), $"get k{i}")).ShouldBe($"v{i}", $"get k{i} reads the value put before it (§5.3, §8)");
        }

        // On a loaded machine a leader can lose its term after the last answer. A new leader does not count replicas of
        // an earlier term's entry (Figure 8); before the key-value chapter it appends no no-op of its own (§8), so one
        // more command is what commits everything before it everywhere.
        (await cluster.AskAsync(t => client.PutAsync("last", "x", t), "a last put")).ShouldBe("ok", "a last put is acknowledged (§5.3)");
        var committed = (await Task.WhenAll(cluster.Running.Select(s => s.StatusAsync()))).Max(s => s.CommitIndex);
        await cluster.Until(async () => (await Task.WhenAll(cluster.Running.Select(s => s.StatusAsync()))).All(s => s.LastApplied >= committed),
            $"every node applies the {committed} entries the leader committed (§5.3)");
        var logs = await Task.WhenAll(cluster.Running.Select(s => s.ReadAsync(n => n.Log.Take((int)committed).Select(e => e.Command).ToList())));
        logs.Select(l => string.Join("|", l)).Distinct().Count().ShouldBe(1, $"the three logs hold the same {committed} committed entries in the same order (Log Matching, §5.3)");
        // Gets may be answered without a log entry (chapter 7's ReadIndex), and a client may resend a put whose answer was
        // late (before chapter 7's sessions): every acknowledged put is in the log, in the order it was acknowledged.
        logs[0].Where(c => c.StartsWith("put ", StringComparison.Ordinal)).Distinct().ShouldBe(
            [.. Enumerable.Range(1, 10).Select(i => $"put k{i} v{i}"), "put last x"], "every acknowledged put is committed, in the order it was acknowledged (§5.3)");
        var statuses = await Task.WhenAll(cluster.Running.Select(s => s.StatusAsync()));
        client.Leader.ShouldBe(statuses.Single(s => s.Role == Role.Leader && s.CurrentTerm == statuses.Max(t => t.CurrentTerm)).Id,
            $"the client found the leader (node {leader} was the first) and went to it");
    }

    [Fact]
    public async Task A_follower_answers_a_client_with_the_leader_it_knows()
    {
        await using var cluster = await LiveCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync("no leader was elected over TCP (§5.2; TODO(ch06) ServeConnection)");
        var follower = cluster.Addresses.First(a => a.Id != leader).Id;

        var reply = await cluster[follower].AnswerClientAsync(new ClientRequest(1, "put x 1"));
        if (reply.LeaderHint != leader && reply.LeaderHint is not null)
        {
            // On a loaded machine the leadership may have moved in between: ask again against the leader of now.
            leader = await cluster.LeaderAsync("no leader was elected over TCP (§5.2)");
            follower = cluster.Addresses.First(a => a.Id != leader).Id;
            reply = await cluster[follower].AnswerClientAsync(new ClientRequest(2, "put x 1"));
        }

        reply.Ok.ShouldBeFalse("a follower cannot commit a command: it must not answer ok (§8; TODO(ch06) AnswerClient)");
        reply.LeaderHint.ShouldBe(leader, "the follower names the leader it knows, so the client goes there next (§8)");
        reply.Error.ShouldNotBeNullOrWhiteSpace("the answer says why, in words (TODO(ch06) AnswerClient)");
    }

    [Fact]
    public async Task An_acknowledged_command_is_already_applied_on_the_leader()
    {
        await using var cluster = await LiveCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync("no leader was elected over TCP (§5.2; TODO(ch06) ServeConnection)");

        var reply = await cluster[leader].AnswerClientAsync(new ClientRequest(7, "append log a"));
        var applied = await cluster[leader].ReadAsync(n => (n.LastApplied, Value: ((KeyValueStore)n.StateMachine).Values.GetValueOrDefault("log")));

        reply.Ok.ShouldBeTrue($"the leader commits and answers ({reply.Error}) (TODO(ch06) AnswerClient)");
        reply.RequestId.ShouldBe(7, "the reply carries the request's id back");
        applied.Value.ShouldBe("a", "an ok reply means the command is applied, not merely appended (§5.3; TODO(ch06) AnswerClient)");
    }

    private static byte[] Header(uint length)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, length);
        return header;
    }

    /// <summary>
    /// Sends <paramref name="bad"/> to a running one-node cluster on a fresh connection, and checks that only that
    /// connection pays: it is closed, the node logs a warning with <paramref name="reason"/>, and a client that was
    /// already connected is still served.
    /// </summary>
    private static async Task BadInputClosesOnlyItsConnection(byte[] bad, string reason, bool thenClose = false, int maxFrameLength = Frames.DefaultMaxLength)
    {
        await using var cluster = await LiveCluster.StartAsync(1, maxFrameLength);
        await cluster.LeaderAsync("a one-node cluster elects itself (§5.2)");
        await using var client = cluster.Client();
        using var timeout = new CancellationTokenSource(Live.Quick);
        // A client that gets no answer retries until its token ends; say why, with what the node logged.
        async Task<string> Ask(Func<Task<string>> ask, string what)
        {
            try
            {
                return await ask();
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{what}: no answer within {Live.Quick.TotalSeconds:0} s (TODO(ch06) ServeConnection, AnswerClient)\n{await cluster.DescribeAsync()}");
                throw;
            }
        }
        (await Ask(() => client.PutAsync("before", "1", timeout.Token), "put before the bad input")).ShouldBe("ok",
            "the node serves clients before the bad input (TODO(ch06) AnswerClient)");

        using (var stranger = await cluster.ConnectAsync(1))
        {
            var stream = stranger.GetStream();
            await stream.WriteAsync(bad);
            if (thenClose)
            {
                stranger.Client.Shutdown(SocketShutdown.Send);
            }
            await Live.ClosedByServer(stream, $"a connection that sent {reason} must be closed by the node (TODO(ch06) ServeConnection)");
        }

        await Live.Until(() => cluster[1].BadFrames == 1, $"the node counts the bad frame ({reason}) (TODO(ch06) ServeConnection)", Live.Quick);
        cluster.Logs.At(LogLevel.Warning).Any(w => w.Contains("closed the connection", StringComparison.Ordinal)).ShouldBeTrue(
            $"the node logs a warning that says it closed the connection and why ({reason}) (TODO(ch06) ServeConnection); it logged:\n{cluster.Logs.All}");
        (await Ask(() => client.PutAsync("after", "2", timeout.Token), "put after the bad input")).ShouldBe("ok", "the node still serves its other connections after the bad input (TODO(ch06) ServeConnection)");
        (await Ask(() => client.GetAsync("before", timeout.Token), "get after the bad input")).ShouldBe("1", "nothing was lost (TODO(ch06) ServeConnection)");
    }

    // The same bad input, handed to the node's connection handler in memory: no socket, so a wrong answer shows at once.
    private static readonly (string What, Func<byte[]> Bytes)[] BadInput =
    [
        ("an HTTP request", () => Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: raft\r\n\r\n")),
        ("a frame whose message is cut in half", () =>
        {
            var whole = MessageCodec.Encode(0, new ClientRequest(1, "put k v"));
            return [.. Header((uint)(whole.Length / 2)), .. whole[..(whole.Length / 2)]];
        }),
        ("a frame over the limit of 4,096 bytes", () => [.. Header(5000), .. new byte[100]]),
        ("a message type the node does not know", () =>
        {
            var payload = Encoding.UTF8.GetBytes("""{"from":2,"installSnapshot":{"term":3}}""");
            return [.. Header((uint)payload.Length), .. payload];
        }),
        ("a frame cut off by the end of the stream", () => [.. Header(200), .. Encoding.UTF8.GetBytes("""{"from":2,"requestVote":""")]),
        ("a RequestVote from node 9, which is not a peer", () =>
        {
            var payload = MessageCodec.Encode(9, new RequestVote(100, 9, 1000, 100));
            return [.. Header((uint)payload.Length), .. payload];
        }),
        ("a RequestVote that claims to come from the node itself", () =>
        {
            var payload = MessageCodec.Encode(1, new RequestVote(100, 1, 1000, 100));
            return [.. Header((uint)payload.Length), .. payload];
        }),
        ("a client's reply, which no one sends a node", () =>
        {
            var payload = MessageCodec.Encode(0, new ClientReply(1, Ok: true, Result: "ok"));
            return [.. Header((uint)payload.Length), .. payload];
        }),
        // Well framed, from a peer, but not exactly a message the node knows: the codec is strict (WireJsonContext), so
        // none of these is read with a silent 0 or null in it.
        Json("a RequestVote with a field RequestVote does not have", """{"from":2,"requestVote":{"term":3,"candidateId":2,"lastLogIndex":0,"lastLogTerm":0,"priority":9}}"""),
        Json("a frame with a property frames do not have", """{"from":2,"requestVote":{"term":3,"candidateId":2,"lastLogIndex":0,"lastLogTerm":0},"signature":"x"}"""),
        Json("a RequestVote without its term", """{"from":2,"requestVote":{"candidateId":2,"lastLogIndex":0,"lastLogTerm":0}}"""),
        Json("a client's command that is null", """{"from":0,"clientRequest":{"requestId":1,"command":null}}"""),
        Json("an AppendEntries with a null entry", """{"from":2,"appendEntries":{"term":1,"leaderId":2,"prevLogIndex":0,"prevLogTerm":0,"entries":[null],"leaderCommit":0}}"""),
        Json("an AppendEntries whose entries are null", """{"from":2,"appendEntries":{"term":1,"leaderId":2,"prevLogIndex":0,"prevLogTerm":0,"entries":null,"leaderCommit":0}}"""),
        Json("two messages in one frame", """{"from":2,"requestVote":{"term":3,"candidateId":2,"lastLogIndex":0,"lastLogTerm":0},"requestVoteReply":{"term":3,"voteGranted":true}}"""),
        Json("a frame with no message", """{"from":2}"""),
        Json("a sender's id written as a string", """{"from":"2","requestVoteReply":{"term":3,"voteGranted":true}}"""),
        Json("bytes after the message", """{"from":2,"requestVoteReply":{"term":3,"voteGranted":true}} trailing"""),
        Json("JSON null", "null"),
        Json("a JSON array", "[1,2,3]"),
    ];

    private static (string What, Func<byte[]> Bytes) Json(string what, string json) =>
        (what, () => [.. Header((uint)Encoding.UTF8.GetByteCount(json)), .. Encoding.UTF8.GetBytes(json)]);

    [Fact]
    public async Task Each_bad_frame_ends_its_connection_and_is_counted_and_logged_once()
    {
        // Three nodes, so that nodes 2 and 3 are peers of node 1: a frame from them is refused for what it is, not for who sent it.
        await using var cluster = await LiveCluster.StartAsync(3, maxFrameLength: 4096);
        var node = cluster[1];
        var tried = 0;
        foreach (var (what, bytes) in BadInput)
        {
            var badFrames = node.BadFrames;
            var warnings = cluster.Logs.At(LogLevel.Warning).Count(w => w.Contains("closed the connection", StringComparison.Ordinal));
            var input = new Duplex(bytes());

            var served = node.ServeConnectionAsync(input, $"test {tried}", CancellationToken.None);
            (await Task.WhenAny(served, Task.Delay(Live.Quick)) == served).ShouldBeTrue(
                $"after {what}, the connection handler must return (its connection is then closed), not wait for more (TODO(ch06) ServeConnection)");
            await Should.NotThrowAsync(served, $"{what} is refused inside the handler: the exception must not escape it (TODO(ch06) ServeConnection)");

            node.BadFrames.ShouldBe(badFrames + 1, $"{what} is one bad frame, counted in BadFrames (TODO(ch06) ServeConnection)");
            cluster.Logs.At(LogLevel.Warning).Count(w => w.Contains("closed the connection", StringComparison.Ordinal)).ShouldBe(warnings + 1,
                $"{what}: the node logs one warning that says it closed the connection, and why (TODO(ch06) ServeConnection)");
            input.Written.Length.ShouldBe(0, $"{what} gets no answer: it was not a client's request");
            tried++;
        }
        tried.ShouldBe(BadInput.Length, "every kind of bad input was tried");
    }

    [Fact]
    public async Task A_clients_request_is_answered_on_its_own_connection()
    {
        await using var cluster = await LiveCluster.StartAsync(1);
        await cluster.LeaderAsync("a one-node cluster elects itself (§5.2)");
        var request = MessageCodec.Encode(0, new ClientRequest(41, "put here 1"));
        var input = new Duplex([.. Header((uint)request.Length), .. request]);

        var served = cluster[1].ServeConnectionAsync(input, "a client", CancellationToken.None);
        (await Task.WhenAny(served, Task.Delay(Live.Quick)) == served).ShouldBeTrue("the handler answers, and returns when the client closes (TODO(ch06) ServeConnection)");
        await served;

        var written = input.Written.ToArray();
        written.Length.ShouldBeGreaterThan(4, "the answer is written back on the connection the request came on (TODO(ch06) ServeConnection)");
        var reply = MessageCodec.Decode(written.AsSpan(4)).Message.ShouldBeOfType<ClientReply>("the answer is a ClientReply");
        reply.RequestId.ShouldBe(41, "the reply names the request it answers");
        reply.Ok.ShouldBeTrue($"a one-node leader applies the command and says ok ({reply.Error}) (TODO(ch06) AnswerClient)");
        cluster[1].BadFrames.ShouldBe(0, "a client's request is not a bad frame");
    }

    [Fact]
    public Task Garbage_bytes_close_that_connection_and_the_node_serves_on() =>
        BadInputClosesOnlyItsConnection(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: raft\r\n\r\n"), "an HTTP request");

    [Fact]
    public Task A_truncated_frame_closes_that_connection_and_the_node_serves_on()
    {
        var whole = MessageCodec.Encode(0, new ClientRequest(1, "put k v"));
        var cut = whole[..(whole.Length / 2)]; // the frame's length matches, but the message inside is cut in half
        return BadInputClosesOnlyItsConnection([.. Header((uint)cut.Length), .. cut], "a frame whose message is cut in half");
    }

    [Fact]
    public Task A_frame_longer_than_the_limit_closes_that_connection_and_the_node_serves_on() =>
        BadInputClosesOnlyItsConnection([.. Header(5000), .. new byte[100]], "a frame of 5,000 bytes against a limit of 4,096", maxFrameLength: 4096);

    [Fact]
    public Task An_unknown_message_type_closes_that_connection_and_the_node_serves_on()
    {
        var payload = Encoding.UTF8.GetBytes("""{"from":2,"installSnapshot":{"term":3}}""");
        return BadInputClosesOnlyItsConnection([.. Header((uint)payload.Length), .. payload], "a message type the node does not know");
    }

    [Fact]
    public Task A_peer_closing_mid_frame_closes_that_connection_and_the_node_serves_on() =>
        BadInputClosesOnlyItsConnection([.. Header(200), .. Encoding.UTF8.GetBytes("""{"from":2,"requestVote":""")], "a frame cut off by the peer closing",
            thenClose: true);

    [Fact]
    public Task A_Raft_message_from_a_node_outside_the_cluster_closes_that_connection()
    {
        var payload = MessageCodec.Encode(9, new RequestVote(100, 9, 1000, 100));
        return BadInputClosesOnlyItsConnection([.. Header((uint)payload.Length), .. payload], "a RequestVote from node 9, which is not a peer");
    }

    [Fact]
    public Task A_Raft_message_that_claims_to_come_from_the_node_itself_closes_that_connection()
    {
        // Node 1 never sends itself a frame: whoever claims to be node 1 on node 1's port is not a peer.
        var payload = MessageCodec.Encode(1, new RequestVote(100, 1, 1000, 100));
        return BadInputClosesOnlyItsConnection([.. Header((uint)payload.Length), .. payload], "a RequestVote that claims to come from node 1 itself");
    }

    [Fact]
    public async Task A_port_already_in_use_gives_a_clear_error()
    {
        await using var cluster = await LiveCluster.StartAsync(1);
        await cluster.LeaderAsync("a one-node cluster elects itself (§5.2; TODO(ch06) ServeConnection)");
        var taken = cluster.Addresses[0];

        var error = await Should.ThrowAsync<PortInUseException>(() => NodeServer.StartAsync(new NodeServerOptions
        {
            Id = 1, Cluster = cluster.Addresses, DataDirectory = cluster.DataDirectory(1) + "-second",
        }, cluster.Logs.Factory()), "a second node on a taken port fails to start, with PortInUseException");

        error.Message.ShouldContain(taken.ToString(), Case.Sensitive, "the error names the address that is taken");
        error.Message.ShouldContain("already in use", Case.Sensitive, "the error says what is wrong in words");
        (await cluster[1].AnswerClientAsync(new ClientRequest(1, "put still here"))).Ok.ShouldBeTrue(
            "the node that holds the port is not disturbed (TODO(ch06) AnswerClient)");
    }
}
