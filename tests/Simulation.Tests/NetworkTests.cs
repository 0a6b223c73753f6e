namespace Raft.Simulation.Tests;

public sealed class NetworkTests
{
    // Node 1 sends node 2 and node 3 a ping every 10 ms; everyone records what arrives.
    private static async Task Sender(ScriptedNode node, CancellationToken ct)
    {
        try
        {
            var hop = 0;
            while (true)
            {
                if (node.Id == 1)
                {
                    foreach (var peer in node.Context.Peers)
                    {
                        node.Context.Transport.Send(peer, new Ping(0, hop));
                    }
                    hop++;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(10), node.Context.Time, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static int Delivered(SimCluster<ScriptedNode> c, int from, int to) =>
        c.Trace.Events.OfType<MessageDelivered>().Count(e => e.From == from && e.To == to);

    [Fact]
    public void A_reliable_network_delivers_every_message_once_within_its_delay_bounds()
    {
        using var cluster = ScriptedNode.Cluster(3, Sender);
        cluster.RunFor(TimeSpan.FromMilliseconds(995));

        // Pings leave every 10 ms from 0 to 990 ms; all but those still in flight have arrived.
        var due = cluster.Trace.Sent.Count(s => s.To == 2 && s.At <= cluster.Now - TimeSpan.FromMilliseconds(10));
        due.ShouldBe(99);
        Delivered(cluster, 1, 2).ShouldBeInRange(due, 100);
        var sentAt = cluster.Trace.Sent.ToDictionary(s => s.Id, s => s.At);
        foreach (var d in cluster.Trace.Events.OfType<MessageDelivered>())
        {
            (d.At - sentAt[d.Id]).ShouldBeInRange(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(10));
        }
    }

    [Fact]
    public void An_isolated_node_gets_nothing_and_a_reconnected_one_gets_new_messages()
    {
        using var cluster = ScriptedNode.Cluster(3, Sender);
        cluster.Network.Isolate(2);
        cluster.RunFor(TimeSpan.FromMilliseconds(500));
        Delivered(cluster, 1, 2).ShouldBe(0);
        Delivered(cluster, 1, 3).ShouldBeGreaterThan(40);

        cluster.Network.Reconnect(2);
        cluster.RunFor(TimeSpan.FromMilliseconds(500));
        Delivered(cluster, 1, 2).ShouldBeGreaterThan(40);
    }

    [Fact]
    public void A_one_way_cut_blocks_one_direction_only()
    {
        using var cluster = ScriptedNode.Cluster(3, async (node, ct) =>
        {
            try
            {
                while (true)
                {
                    foreach (var peer in node.Context.Peers)
                    {
                        node.Context.Transport.Send(peer, new Ping(0, 0));
                    }
                    await Task.Delay(TimeSpan.FromMilliseconds(10), node.Context.Time, ct);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        cluster.Network.Cut(1, 2);
        cluster.RunFor(TimeSpan.FromMilliseconds(300));

        Delivered(cluster, 1, 2).ShouldBe(0);
        Delivered(cluster, 2, 1).ShouldBeGreaterThan(20);
    }

    [Fact]
    public void A_partition_splits_the_cluster_into_groups()
    {
        using var cluster = ScriptedNode.Cluster(3, Sender, nodes: 5);
        cluster.Network.Partition([1, 2], [3, 4, 5]);
        cluster.RunFor(TimeSpan.FromMilliseconds(300));

        Delivered(cluster, 1, 2).ShouldBeGreaterThan(20);
        Delivered(cluster, 1, 3).ShouldBe(0);
        Delivered(cluster, 1, 5).ShouldBe(0);
        Should.Throw<ArgumentException>(() => cluster.Network.Partition([1, 9])).Message.ShouldContain("node 9");
    }

    [Fact]
    public void An_unreliable_network_loses_duplicates_and_reorders()
    {
        using var cluster = ScriptedNode.Cluster(5, Sender, network: NetworkOptions.Unreliable with { DropRate = 0.2, DuplicateRate = 0.2, LongDelayRate = 0.2 });
        cluster.RunFor(TimeSpan.FromSeconds(10));

        var sent = cluster.Trace.Sent.Count();
        var lost = cluster.Trace.Events.OfType<MessageDropped>().Count(d => d.Reason == "lost");
        var delivered = cluster.Trace.Events.OfType<MessageDelivered>().ToList();
        var duplicates = delivered.GroupBy(d => d.Id).Count(g => g.Count() > 1);
        ((double)lost / sent).ShouldBeInRange(0.15, 0.25);
        ((double)duplicates / sent).ShouldBeInRange(0.1, 0.2);
        // Reordered: some ping arrives after a ping that was sent later.
        var hops = delivered.Where(d => d.To == 2).Select(d => ((Ping)cluster.Trace.Sent.First(s => s.Id == d.Id).Message).Hop).ToList();
        hops.Zip(hops.Skip(1)).Count(p => p.Second < p.First).ShouldBeGreaterThan(10);
    }

    [Fact]
    public void Messages_to_a_crashed_node_are_dropped()
    {
        using var cluster = ScriptedNode.Cluster(3, Sender);
        cluster.RunFor(TimeSpan.FromMilliseconds(100));
        cluster.Crash(2);
        var before = Delivered(cluster, 1, 2);
        cluster.RunFor(TimeSpan.FromMilliseconds(300));

        Delivered(cluster, 1, 2).ShouldBe(before);
        cluster.Trace.Events.OfType<MessageDropped>().Count(d => d.To == 2 && d.Reason == "node down").ShouldBeGreaterThan(20);
        Should.Throw<InvalidOperationException>(() => cluster.Node(2)).Message.ShouldContain("crashed");
    }

    [Fact]
    public void Bad_network_options_get_a_clear_error()
    {
        Should.Throw<ArgumentException>(() => ScriptedNode.Cluster(1, Sender, network: new NetworkOptions { DropRate = 1.5 }))
            .Message.ShouldContain("DropRate must be a probability");
        Should.Throw<ArgumentException>(() => ScriptedNode.Cluster(1, Sender, network: new NetworkOptions { MinDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(1) }))
            .Message.ShouldContain("MinDelay <= MaxDelay");
    }
}
