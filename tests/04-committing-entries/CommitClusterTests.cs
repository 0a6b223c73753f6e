using Raft.Simulation;

namespace Raft.Gate.Ch04;

// Clusters committing and applying on simulated time, many seeds each (MIT 6.5840's 3B: BasicAgree, FailNoAgree,
// Rejoin, and agreement on an unreliable network). After every step the simulator checks Figure 3's properties and
// that every node applies index 1, 2, 3... once each, the same command as every other node.
public sealed class CommitClusterTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void Commands_are_committed_applied_everywhere_and_answered()
    {
        Committing.ForSeeds(20, "§5.3: an entry on a majority is committed; every server applies it; the client gets its result.", (cluster, history) =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            cluster.Await(cluster.SubmitAsync(leader, KeyValueStore.Put("x", "1")), Second, "put x 1").ShouldBe("ok", "put answers ok once applied.");
            cluster.Await(cluster.SubmitAsync(leader, KeyValueStore.Append("x", "2")), Second, "append x 2").ShouldBe("12", "append answers the new value.");
            cluster.Await(cluster.SubmitAsync(leader, KeyValueStore.Get("x")), Second, "get x").ShouldBe("12", "get answers what was written before it.");
            cluster.AwaitApplied(3, Second);
            var nodes = 0;
            foreach (var id in cluster.NodeIds)
            {
                history.Current(id).Values["x"].ShouldBe("12", $"§5.3: node {id}'s state machine applied the same commands in the same order, so it holds the same value.");
                nodes++;
            }
            nodes.ShouldBe(3, "all three state machines were checked");
        });
    }

    [Fact]
    public void Many_commands_in_flight_are_each_answered_with_their_own_result()
    {
        Committing.ForSeeds(10, "§5.3, §8: commands submitted together are applied in log order, and each client gets its own command's result.", (cluster, _) =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            var tasks = new List<Task<string>>();
            cluster.Do(() =>
            {
                for (var i = 1; i <= 20; i++)
                {
                    tasks.Add(leader.SubmitAsync(KeyValueStore.Append("x", $"{i},")));
                }
            });
            cluster.RunUntil(() => tasks.All(t => t.IsCompleted), 2 * Second).ShouldBeTrue("§5.3: all 20 commands should be applied and answered within 2 s.");
            for (var i = 1; i <= 20; i++)
            {
                Committing.ResultOf(tasks[i - 1], $"Command {i} should have been applied.").ShouldBe(string.Concat(Enumerable.Range(1, i).Select(j => $"{j},")),
                    $"Command {i} appended to what commands 1 to {i - 1} wrote: it is answered with its own result, applied in log order.");
            }
        });
    }

    [Fact]
    public void Nothing_commits_while_three_of_five_are_cut_off()
    {
        Committing.ForSeeds(10, "§5.3: an entry is committed only once a majority holds it; 2 of 5 servers are not one.", (cluster, _) =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            cluster.Await(cluster.SubmitAsync(leader, KeyValueStore.Put("x", "before")), Second, "The first command");
            var committed = leader.CommitIndex;
            foreach (var id in cluster.NodeIds.Where(id => id != leader.Id).Take(3))
            {
                cluster.Network.Isolate(id);
            }

            var task = cluster.SubmitAsync(leader, KeyValueStore.Put("x", "during"));
            cluster.RunFor(2 * Second);

            leader.CommitIndex.ShouldBe(committed, "§5.3: with only 2 of 5 servers, the leader cannot commit its new entry.");
            task.IsCompleted.ShouldBeFalse("§8: a command that is not committed is not answered: the client keeps waiting.");
            cluster.LiveNodes.Max(n => n.CommitIndex).ShouldBe(committed, "§5.3: no server commits anything while no majority can agree.");

            cluster.Network.Heal();
            cluster.SubmitToLeader(KeyValueStore.Put("x", "after"), 5 * Second).ShouldBe("ok", "§5.3: once the partition heals, a leader of the whole cluster commits again.");
            cluster.RunUntil(() => task.IsCompleted, 2 * Second).ShouldBeTrue(
                "§8: after the heal the command of the cut-off time is either applied or overwritten: its client gets an answer either way.");
        }, nodes: 5);
    }

    [Fact]
    public void A_deposed_leaders_command_is_never_reported_as_applied()
    {
        Committing.ForSeeds(10, "§5.4.2, §8: a command whose entry another leader overwrote fails; it never reports success.", (cluster, history) =>
        {
            var old = cluster.AwaitLeader(2 * Second);
            var buddy = cluster.NodeIds.First(id => id != old.Id);
            var majority = cluster.NodeIds.Except([old.Id, buddy]).ToArray();
            cluster.Network.Partition([old.Id, buddy], majority);

            var lost = cluster.SubmitAsync(old, KeyValueStore.Put("x", "lost"));
            var leader = cluster.AwaitLeader(3 * Second, majority);
            cluster.Await(cluster.SubmitAsync(leader, KeyValueStore.Put("x", "won")), Second, "The majority's command");
            cluster.Network.Heal();
            cluster.RunUntil(() => lost.IsCompleted, 3 * Second).ShouldBeTrue("§8: the old leader learns of the new term and its entry is replaced; its client is answered.");

            lost.IsFaulted.ShouldBeTrue("§5.4.2: the entry of put x lost was overwritten by the new leader's; its client must get a failure, never 'ok'" +
                (lost.IsCompletedSuccessfully ? $" (it was answered '{lost.Result}')." : "."));
            var failure = lost.Exception!.InnerException.ShouldBeOfType<SubmitFailedException>("The failure is a SubmitFailedException, which says why.");
            failure.Reason.ShouldBe(SubmitFailure.LeadershipLost, "The failure says why: the node lost its leadership and its entry was replaced.");
            cluster.AwaitApplied(leader.CommitIndex, 2 * Second);
            history.Current(old.Id).Values["x"].ShouldBe("won", "The old leader applies the new leader's entry at that index, like every server.");
        }, nodes: 5);
    }

    [Fact]
    public void A_crashed_leaders_waiting_clients_are_told_it_stopped()
    {
        Committing.ForSeeds(5, "§8: a client whose node stops before its command is applied learns that, rather than waiting forever.", (cluster, _) =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            foreach (var id in cluster.NodeIds.Where(id => id != leader.Id))
            {
                cluster.Network.Isolate(id);
            }
            var task = cluster.SubmitAsync(leader, KeyValueStore.Put("x", "1"));
            cluster.RunFor(Second / 10);

            cluster.Crash(leader.Id);

            task.IsFaulted.ShouldBeTrue("§8: the node stopped; the waiting client gets a failure at once.");
            task.Exception!.InnerException.ShouldBeOfType<SubmitFailedException>("The failure is a SubmitFailedException.")
                .Reason.ShouldBe(SubmitFailure.Stopped, "The reason is that the node stopped: the command may or may not be committed later.");
        });
    }

    [Fact]
    public void Every_node_applies_the_same_commands_in_order_on_an_unreliable_network()
    {
        Committing.ForSeeds(20, "§5.4.3: on a network that loses, duplicates, delays and reorders messages, every server applies the same commands in the same order, each once.", (cluster, history) =>
        {
            var random = new Random((int)cluster.Seed);
            for (var i = 1; i <= 15; i++)
            {
                cluster.SubmitToLeader(KeyValueStore.Append("x", $"{i},"), 10 * Second);
                if (random.Next(5) == 0)
                {
                    var victim = cluster.NodeIds[random.Next(cluster.NodeIds.Count)];
                    cluster.Network.Isolate(victim);
                    cluster.RunFor(TimeSpan.FromMilliseconds(random.Next(100, 1500)));
                    cluster.Network.Reconnect(victim);
                }
            }
            cluster.AwaitConverged(10 * Second);
            var values = cluster.NodeIds.Select(id => history.Current(id).Values["x"]).Distinct().ToList();
            values.ShouldHaveSingleItem("§5.4.3: every server applied the same commands in the same order, so all hold one value of x.");
            for (var i = 1; i <= 15; i++)
            {
                values[0].ShouldContain($"{i},", Case.Sensitive, $"§8: command {i} was acknowledged, so it is in the final state.");
            }
        }, nodes: 5, network: NetworkOptions.Unreliable);
    }

    [Fact]
    public void A_leader_applies_its_committed_entries_on_its_own_loop()
    {
        Committing.ForSeeds(5, "Figure 2: every server, the leader too, applies committed entries, driven by the apply loop with no help from outside.", (cluster, history) =>
        {
            var leader = cluster.AwaitLeader(2 * Second);
            cluster.Do(() => leader.Submit(KeyValueStore.Put("y", "1")));
            cluster.RunUntil(() => cluster.LiveNodes.All(n => n.LastApplied == 1), Second).ShouldBeTrue(
                "Figure 2: once index 1 is committed, every node's apply loop applies it, with nobody calling ApplyCommitted from outside. " +
                "Nodes: " + string.Join(", ", cluster.LiveNodes.Select(n => $"n{n.Id} commit {n.CommitIndex} applied {n.LastApplied}")));
            cluster.NodeIds.All(id => history.Current(id).Values.GetValueOrDefault("y") == "1").ShouldBeTrue("Every state machine holds y = 1.");
        });
    }
}
