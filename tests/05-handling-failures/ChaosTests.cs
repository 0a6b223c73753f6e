using Raft.Gate.Ch04;
using Raft.Simulation;
using static Raft.Gate.Ch05.Chaos;

namespace Raft.Gate.Ch05;

// MIT 6.5840's hardest scenarios (Figure8, UnreliableAgree, Figure8Unreliable, ReliableChurn, UnreliableChurn) and a
// randomized run over many seeds, each followed by a liveness check. The simulator checks Figure 3's properties, the
// apply order and persist-before-send after every step; a failing seed replays with the command it prints.
public sealed class ChaosTests
{
    /// <summary>MIT 6.5840's long-reordering network: a third of messages held back for up to 2.2 s.</summary>
    private static readonly NetworkOptions LongReordering = NetworkOptions.Unreliable with
    {
        LongDelayRate = 0.33,
        LongDelayMax = TimeSpan.FromMilliseconds(2200),
    };

    [Fact]
    public void Figure_8_with_leaders_crashing_over_many_rounds()
    {
        var checkedCommands = 0;
        ForSeeds(20, "§5.4.2, Figure 8: leaders crash at random points while entries of several terms are in flight; no committed entry is lost.", (cluster, _) =>
        {
            var random = new Random((int)cluster.Seed);
            var client = new Client(cluster, "x");
            for (var round = 0; round < 30; round++)
            {
                client.SubmitOne();
                cluster.RunFor(TimeSpan.FromMilliseconds(random.Next(10) == 0 ? random.Next(500) : random.Next(13)));
                if (cluster.LiveNodes.FirstOrDefault(n => n.Role == Role.Leader) is { } leader && cluster.LiveNodes.Count() > 3)
                {
                    cluster.Crash(leader.Id);
                }
                if (cluster.LiveNodes.Count() < 3)
                {
                    var back = cluster.NodeIds.Where(id => !cluster.IsUp(id)).ToList();
                    cluster.Restart(back[random.Next(back.Count)]);
                }
            }
            client.Collect();
            var committed = HealAndConverge(cluster, 10 * Second);
            checkedCommands += EveryAcknowledgedCommandSurvivesOnce(committed, client.Acknowledged);
        }, nodes: 5);
        SomeCommandsWereChecked(checkedCommands);
    }

    [Fact]
    public void Agreement_on_an_unreliable_network_with_concurrent_clients()
    {
        ForSeeds(20, "§5.3: with 10% of requests and replies lost, some duplicated and some delayed, concurrent commands are all committed and applied alike.", (cluster, _) =>
        {
            var clients = Enumerable.Range(1, 4).Select(i => new Client(cluster, $"c{i}")).ToList();
            for (var round = 0; round < 10; round++)
            {
                foreach (var client in clients)
                {
                    client.SubmitOne();
                }
                cluster.RunFor(Second / 4);
            }
            cluster.RunFor(2 * Second);
            clients.ForEach(c => c.Collect());
            var committed = HealAndConverge(cluster, 10 * Second);
            clients.Sum(c => c.Acknowledged.Count).ShouldBeGreaterThan(20, "§5.3: most commands are committed despite the losses.");
            EveryAcknowledgedCommandSurvivesOnce(committed, clients.SelectMany(c => c.Acknowledged));
        }, nodes: 5, network: NetworkOptions.Unreliable);
    }

    [Fact]
    public void Figure_8_on_an_unreliable_network_with_long_reordering()
    {
        var checkedCommands = 0;
        ForSeeds(10, "§5.4.2: leaders cut off at random while a third of all messages arrive up to 2.2 s late; no committed entry is lost.", (cluster, _) =>
        {
            var random = new Random((int)cluster.Seed);
            var client = new Client(cluster, "x");
            for (var round = 0; round < 40; round++)
            {
                if (round % 4 == 0)
                {
                    client.SubmitOne();
                }
                cluster.RunFor(TimeSpan.FromMilliseconds(random.Next(10) == 0 ? random.Next(500) : random.Next(13)));
                if (random.Next(1000) < 500 && cluster.LiveNodes.FirstOrDefault(n => n.Role == Role.Leader) is { } leader)
                {
                    cluster.Network.Isolate(leader.Id);
                }
                if (random.Next(1000) < 500)
                {
                    var id = cluster.NodeIds[random.Next(cluster.NodeIds.Count)];
                    cluster.Network.Reconnect(id);
                }
            }
            client.Collect();
            checkedCommands += EveryAcknowledgedCommandSurvivesOnce(HealAndConverge(cluster, 15 * Second), client.Acknowledged);
        }, nodes: 5, network: LongReordering);
        SomeCommandsWereChecked(checkedCommands);
    }

    [Fact]
    public void Churn_clients_keep_writing_while_servers_crash_restart_and_disconnect()
    {
        var checkedCommands = 0;
        ForSeeds(10, "§5.4, §8: with crashes, restarts and disconnects at random, every acknowledged command survives and is applied once.", (cluster, _) =>
        {
            checkedCommands += Churn(cluster, new Random((int)cluster.Seed), clients: 3, steps: 40);
        }, nodes: 5);
        SomeCommandsWereChecked(checkedCommands);
    }

    [Fact]
    public void Churn_on_an_unreliable_network()
    {
        var checkedCommands = 0;
        ForSeeds(10, "§5.4, §8: churn on a network that loses, duplicates and reorders: every acknowledged command survives and is applied once.", (cluster, _) =>
        {
            checkedCommands += Churn(cluster, new Random((int)cluster.Seed), clients: 3, steps: 40);
        }, nodes: 5, network: NetworkOptions.Unreliable);
        SomeCommandsWereChecked(checkedCommands);
    }

    /// <summary>
    /// The randomized safety run: each seed draws its own faults (crashes, restarts, cuts in the middle of saves,
    /// partitions, isolations) for about 10 s of simulated time while clients write, with every safety check on; then
    /// the liveness phase heals everything and requires one leader and the same applied log everywhere within 10 s.
    /// Seeds 1 to 100 by default; RAFT_SEEDS=N runs seeds 1 to N (a soak), RAFT_SEED=S replays one.
    /// </summary>
    [Fact]
    public void Randomized_faults_over_many_seeds_never_break_safety_and_the_cluster_recovers()
    {
        var seeds = GateInfo.SeedCount ?? 100;
        var checkedCommands = 0;
        ForSeeds(seeds, "Figure 3 and Figure 2, under random crashes, restarts, torn saves and partitions, then liveness once healed.", (cluster, _) =>
        {
            var random = new Random((int)cluster.Seed);
            checkedCommands += Churn(cluster, random, clients: 2, steps: 25, tornSaves: true, partitions: true);
        }, nodes: 5, network: NetworkOptions.Unreliable);
        SomeCommandsWereChecked(checkedCommands);
    }

    /// <summary>Clients write while servers crash, restart and disconnect at random; then heal and check. Returns how many acknowledged commands were checked.</summary>
    private static int Churn(SimCluster<RaftNode> cluster, Random random, int clients, int steps, bool tornSaves = false, bool partitions = false)
    {
        var writers = Enumerable.Range(1, clients).Select(i => new Client(cluster, $"c{i}")).ToList();
        for (var step = 0; step < steps; step++)
        {
            foreach (var writer in writers)
            {
                writer.SubmitOne();
            }
            var what = random.Next(10);
            var id = cluster.NodeIds[random.Next(cluster.NodeIds.Count)];
            if (what < 2 && cluster.IsUp(id) && cluster.LiveNodes.Count() > cluster.NodeIds.Count / 2)
            {
                cluster.Crash(id);
            }
            else if (what < 4 && !cluster.IsUp(id))
            {
                cluster.Restart(id);
            }
            else if (what < 5)
            {
                cluster.Network.Isolate(id);
            }
            else if (what < 7)
            {
                cluster.Network.Reconnect(id);
            }
            else if (what < 8 && tornSaves && cluster.IsUp(id))
            {
                cluster.Storage(id).CrashDuringNextSave(keepEntries: random.Next(3));
            }
            else if (what < 9 && partitions)
            {
                var shuffled = cluster.NodeIds.OrderBy(_ => random.Next()).ToArray();
                var cut = random.Next(1, shuffled.Length);
                cluster.Network.Partition(shuffled[..cut], shuffled[cut..]);
            }
            cluster.RunFor(TimeSpan.FromMilliseconds(random.Next(50, 700)));
        }
        writers.ForEach(w => w.Collect());
        var committed = HealAndConverge(cluster, 10 * Second);
        return EveryAcknowledgedCommandSurvivesOnce(committed, writers.SelectMany(w => w.Acknowledged));
    }
}
