using Microsoft.Extensions.Logging;

namespace Raft.Simulation.Tests;

public sealed class DeterminismTests
{
    // A busy node that uses every awaitable the simulator promises to keep deterministic
    // (shared/determinism.md): Task.Delay with the TimeProvider, channel reads, PeriodicTimer,
    // CancellationTokenSource(t, time), Task.WhenAny over async methods and Task.Yield.
    private static async Task Chatter(ScriptedNode node, CancellationToken ct)
    {
        var time = node.Context.Time;
        var random = node.Context.Random;
        async Task Reader()
        {
            while (await node.Inbox.Reader.WaitToReadAsync(ct))
            {
                while (node.Inbox.Reader.TryRead(out var e))
                {
                    var ping = (Ping)e.Message;
                    node.CurrentTerm = Math.Max(node.CurrentTerm, ping.Term);
                    if (ping.Hop < 3)
                    {
                        node.Context.Transport.Send(e.From, ping with { Hop = ping.Hop + 1 });
                    }
                }
            }
        }
        async Task Talker()
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(5, 50)), time, ct);
                var peer = node.Context.Peers[random.Next(node.Context.Peers.Count)];
                node.Context.Transport.Send(peer, new Ping(random.Next(0, 100), 0));
                node.Context.Logger.LogInformation("n{Id} pinged n{Peer}", node.Id, peer);
            }
        }
        async Task Step()
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(1, 30)), time, ct);
            node.CurrentTerm++;
        }
        async Task Ticker()
        {
            using var periodic = new PeriodicTimer(TimeSpan.FromMilliseconds(70), time);
            while (await periodic.WaitForNextTickAsync(ct))
            {
                using var timed = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(1, 30)), time);
                using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, timed.Token);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(random.Next(1, 30)), time, either.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    node.Context.Logger.LogInformation("n{Id} deadline passed", node.Id);
                }
                // WhenAny over async methods is deterministic here; over a raw Task.Delay it is not
                // (the runtime completes it on the thread pool; see EscapeTests).
                await Task.WhenAny(Step(), Step());
                await Task.Yield();
            }
        }
        try
        {
            await Task.WhenAll(Reader(), Talker(), Ticker());
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static string Run(long seed)
    {
        using var cluster = ScriptedNode.Cluster(seed, Chatter, nodes: 5, network: NetworkOptions.Unreliable);
        cluster.RunFor(TimeSpan.FromSeconds(1));
        cluster.Network.Partition([1, 2], [3, 4, 5]);
        cluster.Crash(4);
        cluster.RunFor(TimeSpan.FromMilliseconds(500));
        cluster.Restart(4);
        cluster.Network.Heal();
        cluster.RunFor(TimeSpan.FromSeconds(1));
        cluster.Trace.Events.Count.ShouldBeGreaterThan(500, "the scenario should be busy enough to mean something");
        return cluster.Trace.Text();
    }

    [Fact]
    public void The_same_seed_gives_a_byte_identical_trace_over_200_runs()
    {
        var first = Run(42);
        for (var i = 0; i < 199; i++)
        {
            var again = Run(42);
            if (again != first)
            {
                var line = first.Split('\n').Zip(again.Split('\n')).Select((p, n) => (p, n)).First(x => x.p.First != x.p.Second);
                Assert.Fail($"Run {i + 2} of seed 42 differs from run 1 at trace line {line.n}:\n  {line.p.First}\n  {line.p.Second}");
            }
        }
    }

    [Fact]
    public void Different_seeds_give_different_runs()
    {
        var hashes = Enumerable.Range(1, 100).Select(seed => Run(seed).GetHashCode(StringComparison.Ordinal)).ToHashSet();

        hashes.Count.ShouldBe(100, "100 seeds should give 100 different runs");
    }

    [Fact]
    public void Timers_fire_in_due_order_then_creation_order_and_never_inline()
    {
        var fired = new List<string>();
        using var cluster = ScriptedNode.Cluster(1, async (node, ct) =>
        {
            if (node.Id != 1)
            {
                await ScriptedNode.Idle(node, ct);
                return;
            }
            var time = node.Context.Time;
            using var a = time.CreateTimer(_ => fired.Add("a@20"), null, TimeSpan.FromMilliseconds(20), Timeout.InfiniteTimeSpan);
            using var b = time.CreateTimer(_ => fired.Add("b@10"), null, TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);
            using var c = time.CreateTimer(_ => fired.Add("c@20"), null, TimeSpan.FromMilliseconds(20), Timeout.InfiniteTimeSpan);
            using var d = time.CreateTimer(_ => fired.Add("d@0"), null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            fired.Add("created");
            await ScriptedNode.Idle(node, ct);
        });

        cluster.RunFor(TimeSpan.FromMilliseconds(50));

        fired.ShouldBe(["created", "d@0", "b@10", "a@20", "c@20"]);
    }
}
