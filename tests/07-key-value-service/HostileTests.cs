using Microsoft.Extensions.Logging;
using Raft.Gate.Ch06;

namespace Raft.Gate.Given;

// Not a TODO of chapter 7 but what it is given, on real sockets (a starter passes these, like the common checks): frames
// that are valid yet hurt a cluster, and processes that are not members. Each case was seen on chapter 6: a 200 KB put of
// '<' that grew to a 1.2 MB frame, a lagging follower sent more than a frame holds, a forged RequestVote with term 2^63-1
// that wrapped every node's next term, an unknown command answered "ok".
public sealed class HostileTests
{
    private const string Key = "a cluster key for the tests";

    private static Func<NodeServerOptions, NodeServerOptions> WithKey(string key = Key) => o => o with { ClusterKey = ClusterKey.From(key) };

    private static async Task<long[]> TermsAsync(LiveCluster cluster) =>
        [.. (await Task.WhenAll(cluster.Running.Select(s => s.StatusAsync()))).Select(s => s.CurrentTerm)];

    private static byte[] Frame(int from, object message) => Frames.Frame(MessageCodec.Encode(from, message));

    [Fact]
    public async Task A_put_of_200_KB_of_angle_brackets_is_replicated_in_a_frame_of_its_own_size()
    {
        var value = new string('<', 200_000);
        var entry = MessageCodec.Encode(1, new AppendEntries(1, 1, 0, 0, [new LogEntry(1, KeyValueStore.Put("x", value))], 0));
        entry.Length.ShouldBeLessThan(200_000 + 200, "a command goes out as long as the client sent it: '<' is not escaped to \\u003C (six bytes for one)");

        await using var cluster = await LiveCluster.StartAsync(3);
        await cluster.LeaderAsync("three nodes elect a leader (§5.2)");
        await using var client = cluster.Client();

        (await cluster.AskAsync(t => client.PutAsync("x", value, t), "put x <200 KB of '<'>")).ShouldBe("ok", "the put is committed and answered");
        await cluster.Until(async () => (await Task.WhenAll(cluster.Running.Select(s => s.ReadAsync(n => n.StateMachine is KeyValueStore kv && kv.Values.GetValueOrDefault("x") == value)))).All(b => b),
            "every node applies the 200 KB put");
        cluster.Running.Sum(s => s.BadFrames).ShouldBe(0, "no node refused a frame");
    }

    [Fact]
    public async Task A_lagging_follower_catches_up_whatever_the_entry_sizes()
    {
        await using var cluster = await LiveCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync("three nodes elect a leader (§5.2)");
        var lagging = cluster.Addresses.First(a => a.Id != leader).Id;
        await cluster.StopNodeAsync(lagging);
        await using var client = cluster.Client();
        var big = new string('v', 200_000);
        for (var i = 0; i < 7; i++)
        {
            (await cluster.AskAsync(t => client.PutAsync($"k{i}", big, t), $"put k{i} (200 KB)")).ShouldBe("ok", "two of three nodes commit it");
        }

        await cluster.StartNodeAsync(lagging);

        // 1.4 MB of entries: more than one frame holds, so the leader must send them in several AppendEntries.
        await cluster.Until(async () =>
        {
            var logs = await Task.WhenAll(cluster.Running.Select(s => s.ReadAsync(n => n.Log.Count)));
            return logs.Distinct().Count() == 1 && logs[0] >= 7;
        }, $"node {lagging}, back after 1.4 MB of entries were committed without it, catches up (§5.3: AppendEntries within a byte budget)");
        cluster.Running.Sum(s => s.BadFrames).ShouldBe(0, "no AppendEntries was too long for a frame");
    }

    [Fact]
    public async Task A_command_too_long_for_a_frame_and_an_unknown_one_are_refused_and_never_logged()
    {
        await using var cluster = await LiveCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync("three nodes elect a leader (§5.2)");
        await using var client = cluster.Client();

        var tooLong = await Should.ThrowAsync<SubmitFailedException>(cluster.AskAsync(t => client.PutAsync("x", new string('v', 300_000), t), "put x <300 KB>"),
            "a command longer than an entry may be is refused, not retried forever");
        tooLong.Reason.ShouldBe(SubmitFailure.Invalid, "it can never be committed");
        tooLong.Message.ShouldContain("bytes", Case.Sensitive, $"the refusal says how long it is and may be: {tooLong.Message}");

        var unknown = await Should.ThrowAsync<SubmitFailedException>(cluster.AskAsync(t => client.SubmitAsync("frobnicate x", t), "frobnicate x"),
            "an unknown command is refused");
        unknown.Reason.ShouldBe(SubmitFailure.Invalid, "no state machine could apply it");
        unknown.Message.ShouldContain("put KEY VALUE", Case.Sensitive, $"the refusal says what a command looks like: {unknown.Message}");

        (await cluster.AskAsync(t => client.PutAsync("y", "1", t), "put y 1")).ShouldBe("ok", "the cluster goes on");
        var log = await cluster[client.Leader ?? leader].ReadAsync(n => n.Log.Select(e => e.Command).ToList());
        log.ShouldNotContain(c => c.StartsWith("frobnicate", StringComparison.Ordinal) || c.Length > 200_000, "neither refused command entered the log");
    }

    [Fact]
    public async Task A_term_that_would_wrap_is_a_bad_frame_and_changes_no_node()
    {
        await using var cluster = await LiveCluster.StartAsync(3);
        await cluster.LeaderAsync("three nodes elect a leader (§5.2)");
        var before = await TermsAsync(cluster);

        foreach (var term in new[] { long.MaxValue, MessageCodec.MaxNumber + 1, -1 })
        {
            using var forger = await cluster.ConnectAsync(1);
            var stream = forger.GetStream();
            await stream.WriteAsync(Frame(2, new RequestVote(term, 2, 0, 0)));
            await Live.ClosedByServer(stream, $"a RequestVote with term {term} closes its connection");
        }

        (await TermsAsync(cluster)).Max().ShouldBeLessThan(before.Max() + 5, "§5.1: no forged term reached a node: terms grow only by elections");
        cluster[1].BadFrames.ShouldBe(3, "each forged frame was refused as a bad frame");
        cluster.Logs.At(LogLevel.Warning).Count(w => w.Contains("outside the terms and indexes", StringComparison.Ordinal)).ShouldBe(3, "each refusal says why");
        await using var client = cluster.Client();
        (await cluster.AskAsync(t => client.PutAsync("x", "1", t), "put x 1")).ShouldBe("ok", "the cluster still elects leaders and commits");
    }

    [Fact]
    public async Task A_process_without_the_cluster_key_cannot_speak_Raft_to_a_node()
    {
        await using var cluster = await LiveCluster.StartAsync(3, configure: WithKey());
        await cluster.LeaderAsync("three nodes holding the same key elect a leader (§5.2)");
        var before = await TermsAsync(cluster);

        using (var forger = await cluster.ConnectAsync(1))
        {
            var stream = forger.GetStream();
            await stream.WriteAsync(Frame(2, new RequestVote(before.Max() + 100, 2, 1000, before.Max() + 99)));
            await Live.ClosedByServer(stream, "a RequestVote sent without the handshake closes its connection");
        }
        using (var impostor = await cluster.ConnectAsync(1))
        {
            var wrongKey = ClusterKey.From("not the cluster's key at all")!;
            await Should.ThrowAsync<ClusterKeyException>(wrongKey.DialAsync(impostor.GetStream(), 2, 1, CancellationToken.None),
                "a caller with another key learns that the node does not hold its key");
        }

        (await TermsAsync(cluster)).Max().ShouldBeLessThan(before.Max() + 50, "the forged term never reached the node");
        var refusals = cluster.Logs.At(LogLevel.Warning).Where(w => w.Contains("refused the connection", StringComparison.Ordinal)).ToList();
        refusals.ShouldContain(w => w.Contains("where the cluster key handshake expects a PeerHello", StringComparison.Ordinal), "the node says the caller did not open with the handshake");
        await using var keyless = new RaftClient(cluster.Addresses) { AttemptTimeout = TimeSpan.FromMilliseconds(500) };
        using (var soon = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await Should.ThrowAsync<OperationCanceledException>(keyless.PutAsync("x", "1", soon.Token), "a client without the key gets no answer");
        }
        await using var client = new RaftClient(cluster.Addresses) { Key = ClusterKey.From(Key) };
        (await cluster.AskAsync(t => client.PutAsync("x", "1", t), "put x 1 by a client with the key")).ShouldBe("ok", "a client holding the key is served");
    }

    [Fact]
    public async Task A_node_with_another_key_or_none_is_refused_and_the_logs_say_why()
    {
        await using var cluster = await LiveCluster.StartAsync(3, configure: o => o.Id switch
        {
            3 => o with { ClusterKey = null },
            _ => WithKey()(o),
        });
        await cluster.Until(async () => (await Task.WhenAll(cluster[1].StatusAsync(), cluster[2].StatusAsync())).Any(s => s.Role == Role.Leader),
            "nodes 1 and 2 hold the key: they are a majority and elect a leader (§5.2)");

        await cluster.Until(() => Task.FromResult(cluster.Logs.At(LogLevel.Warning).Any(w => w.Contains("was it started with the same --cluster-key?", StringComparison.Ordinal))),
            "a node holding the key says so when node 3 (no key) hangs up on its handshake");
        await cluster.Until(() => Task.FromResult(cluster.Logs.At(LogLevel.Warning).Any(w => w.Contains("refused the connection", StringComparison.Ordinal)
                                                                                              && w.Contains("talks only to processes that hold the key", StringComparison.Ordinal))),
            "a node holding the key says why it refuses node 3's messages");
        await cluster.Until(() => Task.FromResult(cluster.Logs.At(LogLevel.Warning).Any(w => w.StartsWith("Node 3 refused the connection", StringComparison.Ordinal)
                                                                                              && w.Contains("node 3 has no cluster key", StringComparison.Ordinal))),
            "node 3, without a key, says in a sentence that its peers hold one it was not given");
        var third = await cluster[3].StatusAsync();
        third.LeaderId.ShouldBeNull("node 3 never heard from the leader: it holds no key");
        third.LogLength.ShouldBe(0, "and got no entries");
    }

    [Fact]
    public void A_short_cluster_key_is_refused_with_a_sentence()
    {
        var e = Should.Throw<ArgumentException>(() => ClusterKey.From("short"));
        e.Message.ShouldContain($"at least {ClusterKey.MinLength} characters", Case.Sensitive, "the error says what a key needs");
        ClusterKey.From(null).ShouldBeNull("no key: a cluster without authentication, as in chapter 6");
    }
}
