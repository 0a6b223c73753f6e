namespace Raft.Simulation.Tests;

// The simulator's disk: a crash keeps exactly what was saved, a test can cut a save short, and with
// RequirePersistBeforeSend no message leaves a node whose memory is ahead of its disk (Figure 2).
public sealed class StorageFaultTests
{
    private static readonly LogEntry A = new(1, "a"), B = new(1, "b"), C = new(1, "c");

    [Fact]
    public void A_save_cut_short_keeps_a_prefix_and_stops_the_node_before_it_can_send()
    {
        using var cluster = ScriptedNode.Cluster(1, ScriptedNode.Idle);
        cluster.RunFor(TimeSpan.FromMilliseconds(10));
        cluster.Storage(1).SaveLog(1, [A]);

        cluster.Storage(1).CrashDuringNextSave(keepEntries: 1);
        cluster.Do(1, n =>
        {
            n.Context.Storage.SaveLog(2, [B, C]);
            n.Context.Transport.Send(2, new Ping(0, 1)); // never reached: the save threw
        });

        cluster.IsUp(1).ShouldBeFalse("the node crashed inside its save");
        cluster.Storage(1).Log.ShouldBe([A, B], "the cut save kept its first entry, after what was saved before");
        cluster.Trace.SentOf<Ping>().ShouldBeEmpty("nothing left the node after the save it died in");
        cluster.Restart(1);
        cluster.Node(1).Context.Storage.Load().Log.ShouldBe([A, B], "a restart finds exactly what reached the disk");
    }

    [Fact]
    public void A_term_and_vote_save_cut_short_keeps_the_old_pair()
    {
        using var cluster = ScriptedNode.Cluster(1, ScriptedNode.Idle);
        cluster.Storage(2).SaveTermAndVote(3, 1);

        cluster.Storage(2).CrashDuringNextSave();
        cluster.Do(2, n => n.Context.Storage.SaveTermAndVote(4, 2));

        cluster.IsUp(2).ShouldBeFalse("the node crashed inside its save");
        (cluster.Storage(2).CurrentTerm, cluster.Storage(2).VotedFor).ShouldBe((3L, (int?)1), "term and vote are saved atomically: the old pair survives whole");
    }

    [Fact]
    public void A_message_sent_before_its_state_is_saved_stops_the_run_with_figure_2()
    {
        using var cluster = SimCluster.Create(new SimulationOptions { Seed = 1, RequirePersistBeforeSend = true },
            ctx => new ScriptedNode(ctx, ScriptedNode.Idle));
        cluster.RunFor(TimeSpan.FromMilliseconds(10));

        var error = Should.Throw<SimulationFailedException>(() => cluster.Do(1, n =>
        {
            n.CurrentTerm = 5;
            n.VotedFor = 1;
            n.Context.Transport.Send(2, new Ping(5, 1));
        }));

        error.Rule.ShouldBe("Persist before answering");
        error.Section.ShouldBe("Figure 2");
        error.Sentence.ShouldContain("currentTerm is 5 but its storage holds 0");
    }

    [Fact]
    public void A_message_sent_after_its_state_is_saved_is_fine()
    {
        using var cluster = SimCluster.Create(new SimulationOptions { Seed = 1, RequirePersistBeforeSend = true },
            ctx => new ScriptedNode(ctx, ScriptedNode.Idle));
        cluster.RunFor(TimeSpan.FromMilliseconds(10));

        cluster.Do(1, n =>
        {
            n.CurrentTerm = 5;
            n.Entries.Add(A);
            n.Context.Storage.SaveTermAndVote(5, null);
            n.Context.Storage.SaveLog(1, [A]);
            n.Context.Transport.Send(2, new Ping(5, 1));
        });
        cluster.RunFor(TimeSpan.FromMilliseconds(20));

        cluster.Trace.SentOf<Ping>().ShouldHaveSingleItem("the message left, its sender's state being on its disk");
    }
}
