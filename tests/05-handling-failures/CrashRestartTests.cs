using Raft.Gate.Ch04;
using Raft.Simulation;
using static Raft.Gate.Ch05.Chaos;

namespace Raft.Gate.Ch05;

// MIT 6.5840's persistence scenarios (Persist1, Persist2, Persist3, FailAgree) on simulated time: nodes crash, lose
// everything in memory, and come back from storage. Every message is checked to leave after its sender saved.
public sealed class CrashRestartTests
{
    [Fact]
    public void The_whole_cluster_restarts_and_keeps_every_acknowledged_command()
    {
        ForSeeds(10, "Figure 2, §5.4: state saved before acknowledging survives a crash of every server.", (cluster, _) =>
        {
            var client = new Client(cluster, "x");
            for (var round = 0; round < 3; round++)
            {
                cluster.AwaitLeader(3 * Second);
                for (var i = 0; i < 5; i++)
                {
                    client.SubmitOne();
                    cluster.RunFor(Second / 10);
                }
                cluster.RunFor(Second / 2);
                client.Collect();
                foreach (var id in cluster.NodeIds)
                {
                    cluster.Crash(id);
                }
                foreach (var id in cluster.NodeIds)
                {
                    cluster.Restart(id);
                }
            }
            client.Acknowledged.Count.ShouldBeGreaterThan(5, "Most commands are acknowledged between the crashes.");
            EveryAcknowledgedCommandSurvivesOnce(HealAndConverge(cluster, 5 * Second), client.Acknowledged);
        });
    }

    [Fact]
    public void A_crashed_leader_restarts_as_a_follower_and_catches_up()
    {
        var checkedCommands = 0;
        ForSeeds(10, "§5.2, §5.3: a restarted leader is a follower that keeps its saved log and takes the new leader's.", (cluster, _) =>
        {
            var client = new Client(cluster, "x");
            for (var round = 0; round < 4; round++)
            {
                var leader = cluster.AwaitLeader(3 * Second);
                client.SubmitOne();
                cluster.RunFor(Second / 5);
                cluster.Crash(leader.Id);
                cluster.AwaitLeader(3 * Second);
                client.SubmitOne();
                cluster.RunFor(Second / 5);
                cluster.Restart(leader.Id);
                cluster.Node(leader.Id).Role.ShouldBe(Role.Follower, "§5.2: a server starts as a follower, even one that led before it crashed.");
                cluster.Node(leader.Id).Log.Count.ShouldBeGreaterThan(0, "Figure 2: the restarted node comes back with the log it saved.");
            }
            client.Collect();
            checkedCommands += EveryAcknowledgedCommandSurvivesOnce(HealAndConverge(cluster, 5 * Second), client.Acknowledged);
        });
        SomeCommandsWereChecked(checkedCommands);
    }

    [Fact]
    public void With_a_majority_down_nothing_commits_and_after_their_restart_everything_acknowledged_is_there()
    {
        var checkedCommands = 0;
        ForSeeds(10, "§5.3, §5.4: no majority, no commit; restarted servers bring back what they acknowledged.", (cluster, _) =>
        {
            var client = new Client(cluster, "x");
            var leader = cluster.AwaitLeader(3 * Second);
            for (var i = 0; i < 3; i++)
            {
                client.SubmitOne();
                cluster.RunFor(Second / 5);
            }
            client.Collect();
            var down = cluster.NodeIds.Where(id => id != leader.Id).Take(3).ToList();
            foreach (var id in down)
            {
                cluster.Crash(id);
            }
            var committed = cluster.LiveNodes.Max(n => n.CommitIndex);
            client.SubmitOne();
            cluster.RunFor(2 * Second);
            cluster.LiveNodes.Max(n => n.CommitIndex).ShouldBe(committed, "§5.3: two of five servers cannot commit anything.");
            foreach (var id in down)
            {
                cluster.Restart(id);
            }
            client.Collect();
            checkedCommands += EveryAcknowledgedCommandSurvivesOnce(HealAndConverge(cluster, 5 * Second), client.Acknowledged);
        }, nodes: 5);
        SomeCommandsWereChecked(checkedCommands);
    }

    [Fact]
    public void A_follower_that_was_down_catches_up_from_where_its_disk_left_off()
    {
        ForSeeds(10, "§5.3: a restarted follower keeps its saved entries, and the leader sends only what it lacks.", (cluster, history) =>
        {
            var leader = cluster.AwaitLeader(3 * Second);
            cluster.Await(cluster.SubmitAsync(leader, KeyValueStore.Put("x", "0")), Second, "The first command");
            cluster.AwaitApplied(1, Second);
            var down = cluster.NodeIds.First(id => id != leader.Id);
            cluster.Crash(down);
            cluster.Do(() =>
            {
                for (var i = 1; i <= 100; i++)
                {
                    leader.Submit(KeyValueStore.Append("x", "."));
                }
            });
            cluster.RunFor(Second);
            var sentBefore = cluster.AppendEntriesSent(leader.Id, down).Sum(a => a.Entries.Count);
            cluster.Restart(down);
            cluster.Node(down).Log.Count.ShouldBe(1, "Figure 2: the follower restarts with the one entry it saved.");
            cluster.AwaitApplied(101, 3 * Second);
            var resent = cluster.AppendEntriesSent(leader.Id, down).Sum(a => a.Entries.Count) - sentBefore;
            resent.ShouldBeLessThanOrEqualTo(100 + 64, "§5.3: the leader sends the 100 entries the follower lacks, not its whole log again and again.");
            history.Current(down).Values["x"].Length.ShouldBe(101, "The restarted follower's state machine replays index 1 and applies the 100 new entries.");
        });
    }

    [Fact]
    public void A_crash_in_the_middle_of_a_save_loses_only_what_was_never_acknowledged()
    {
        var checkedCommands = 0;
        ForSeeds(10, "Figure 2: a save is durable before the answer that depends on it, so a crash during a save loses only unanswered work.", (cluster, _) =>
        {
            var client = new Client(cluster, "x");
            var leader = cluster.AwaitLeader(3 * Second);
            var random = new Random((int)cluster.Seed);
            for (var round = 0; round < 6; round++)
            {
                var victim = cluster.NodeIds[random.Next(cluster.NodeIds.Count)];
                if (cluster.IsUp(victim))
                {
                    cluster.Storage(victim).CrashDuringNextSave(keepEntries: random.Next(2));
                }
                for (var i = 0; i < 3; i++)
                {
                    client.SubmitOne();
                    cluster.RunFor(Second / 10);
                }
                cluster.RunFor(Second / 2);
                foreach (var id in cluster.NodeIds.Where(id => !cluster.IsUp(id)))
                {
                    cluster.Restart(id);
                }
                cluster.AwaitLeader(3 * Second);
            }
            client.Collect();
            checkedCommands += EveryAcknowledgedCommandSurvivesOnce(HealAndConverge(cluster, 5 * Second), client.Acknowledged);
        }, nodes: 3);
        SomeCommandsWereChecked(checkedCommands);
    }

    [Fact]
    public void A_leader_cut_off_in_a_minority_cannot_commit_and_is_replaced_when_the_partition_heals()
    {
        ForSeeds(10, "§5.3, §5.4.2: a minority leader commits nothing; after the heal it follows the majority's leader and its entries are replaced.", (cluster, history) =>
        {
            var old = cluster.AwaitLeader(3 * Second);
            var buddy = cluster.NodeIds.First(id => id != old.Id);
            var majority = cluster.NodeIds.Except([old.Id, buddy]).ToArray();
            cluster.Network.Partition([old.Id, buddy], majority);
            var committed = old.CommitIndex;
            var lost = cluster.SubmitAsync(old, KeyValueStore.Put("x", "minority"));
            var leader = cluster.AwaitLeader(3 * Second, majority);
            cluster.Await(cluster.SubmitAsync(leader, KeyValueStore.Put("x", "majority")), 2 * Second, "The majority's command");
            old.CommitIndex.ShouldBe(committed, "§5.3: the old leader, with 2 of 5 servers, commits nothing.");

            cluster.Network.Heal();
            var final = cluster.AwaitLeader(3 * Second);
            final.Id.ShouldNotBe(old.Id, "§5.4.1: the old leader lacks the majority's committed entry, so it cannot win back the leadership.");
            cluster.RunUntil(() => lost.IsCompleted, 2 * Second).ShouldBeTrue("§8: the minority's client is answered once its entry is replaced.");
            lost.IsFaulted.ShouldBeTrue("§8: the minority's command was replaced; its client must not be told it succeeded.");
            cluster.AwaitConverged(3 * Second);
            history.Current(old.Id).Values["x"].ShouldBe("majority", "The old leader applies the majority's entry like every server.");
        }, nodes: 5);
    }
}
