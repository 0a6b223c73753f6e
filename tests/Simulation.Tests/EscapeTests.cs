namespace Raft.Simulation.Tests;

// Node code that leaves the simulation must fail the run with a sentence that says what to use
// instead, not hang or pass by luck.
public sealed class EscapeTests
{
    private static SimulationFailedException RunUntilFailure(SimCluster<ScriptedNode> cluster)
    {
        // The escaped work reports back from a thread-pool thread whenever the pool gets to it, which
        // under a busy test runner can take a while: keep the simulation stepping for up to 10 s of
        // real time (on purpose: this waits for a foreign thread, not for simulated events).
        var watch = System.Diagnostics.Stopwatch.StartNew();
        return Should.Throw<SimulationFailedException>(() =>
        {
            for (var i = 0; watch.Elapsed < TimeSpan.FromSeconds(10); i++)
            {
                cluster.RunFor(TimeSpan.FromMilliseconds(1));
                if (i % 64 == 0)
                {
                    Thread.Sleep(1);
                }
            }
        });
    }

    [Fact]
    public void Task_run_is_reported_as_leaving_the_simulation()
    {
        using var cluster = ScriptedNode.Cluster(1, async (node, ct) =>
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Run(() => { }, ct);
                await Task.Delay(TimeSpan.FromMilliseconds(1), node.Context.Time, ct);
            }
        });

        var error = RunUntilFailure(cluster);

        error.Rule.ShouldBe("Determinism");
        error.Sentence.ShouldContain("Task.Run");
        error.Sentence.ShouldContain("context.Time");
    }

    [Fact]
    public void ConfigureAwait_false_on_a_channel_read_is_reported_as_leaving_the_simulation()
    {
        using var cluster = ScriptedNode.Cluster(1, async (node, ct) =>
        {
            try
            {
                node.Context.Transport.Send(node.Context.Peers[0], new Ping(0, 0));
                while (await node.Inbox.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
                {
                    while (node.Inbox.Reader.TryRead(out var e))
                    {
                        node.Context.Transport.Send(e.From, new Ping(0, 0));
                    }
                }
            }
            catch (InvalidOperationException)
            {
                // Send refused to run off the simulation thread; the run reports it.
            }
        });

        var error = RunUntilFailure(cluster);

        error.Rule.ShouldBe("Determinism");
        error.Sentence.ShouldContain("ConfigureAwait(false)");
    }

    [Fact]
    public void WhenAny_over_a_cancelled_delay_is_reported_as_leaving_the_simulation()
    {
        using var cluster = ScriptedNode.Cluster(1, async (node, ct) =>
        {
            var time = node.Context.Time;
            while (!ct.IsCancellationRequested)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(5), time);
                await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(50), time, timeout.Token), Task.Delay(TimeSpan.FromMilliseconds(60), time, ct));
            }
        });

        var error = RunUntilFailure(cluster);

        error.Rule.ShouldBe("Determinism");
        error.Sentence.ShouldContain("Task.WhenAny");
    }

    [Fact]
    public void A_loop_that_never_waits_is_reported_as_stuck()
    {
        using var cluster = ScriptedNode.Cluster(1, async (node, ct) =>
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Yield();
            }
        });

        var error = Should.Throw<SimulationFailedException>(() => cluster.RunFor(TimeSpan.FromMilliseconds(10)));

        error.Rule.ShouldBe("Loops must wait");
        error.Sentence.ShouldContain("Task.Delay(t, context.Time, ct)");
    }

    [Fact]
    public void A_loop_that_ignores_cancellation_is_reported_on_crash()
    {
        using var cluster = ScriptedNode.Cluster(1, async (node, ct) =>
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), node.Context.Time); // no token: cannot be stopped
            }
        });
        cluster.RunFor(TimeSpan.FromMilliseconds(100));

        var error = Should.Throw<SimulationFailedException>(() => cluster.Crash(2));

        error.Sentence.ShouldContain("Node 2 was crashed but its RunAsync did not finish");
    }

    [Fact]
    public void An_exception_in_node_code_stops_the_run_and_names_the_node()
    {
        using var cluster = ScriptedNode.Cluster(1, async (node, ct) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(30 * node.Id), node.Context.Time, ct);
            throw new NotImplementedException("TODO(ch01) Example: not written yet");
        });

        var error = Should.Throw<SimulationFailedException>(() => cluster.RunFor(TimeSpan.FromSeconds(1)));

        error.Sentence.ShouldBe("Node 1 stopped with NotImplementedException: TODO(ch01) Example: not written yet");
        error.At.ShouldBe(TimeSpan.FromMilliseconds(30), "the run stops at the step that failed, not later");
        error.Message.ShouldContain("seed 1");
    }
}
