using System.Runtime.CompilerServices;
using Raft.Gate.Ch04;
using Raft.Simulation;

namespace Raft.Gate.Ch05;

/// <summary>Chapter 5's clusters: state machines watched, and every message checked to leave only after its sender saved.</summary>
public static class Chaos
{
    public static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary><see cref="Committing.ForSeeds"/> with the persist-before-send check on.</summary>
    public static void ForSeeds(int seeds, string rule, Action<SimCluster<RaftNode>, AppliedHistory> body, int nodes = 3,
        NetworkOptions? network = null, [CallerFilePath] string file = "", [CallerMemberName] string test = "") =>
        Committing.ForSeeds(seeds, rule, body, nodes, network, requirePersist: true, file: file, test: test);

    /// <summary>A client that submits unique commands to whoever leads, and remembers which were acknowledged.</summary>
    public sealed class Client(SimCluster<RaftNode> cluster, string name)
    {
        private readonly List<(string Command, Task<string> Task)> _inFlight = [];
        private int _next;

        /// <summary>The commands whose SubmitAsync completed successfully: they must survive anything.</summary>
        public List<string> Acknowledged { get; } = [];

        /// <summary>Submits one new command to the node that believes it leads, if any (the simulation must be idle).</summary>
        public void SubmitOne()
        {
            Collect();
            if (cluster.LiveNodes.FirstOrDefault(n => n.Role == Role.Leader) is { } leader)
            {
                var command = KeyValueStore.Append(name, $"{++_next},");
                _inFlight.Add((command, cluster.SubmitAsync(leader, command)));
            }
        }

        /// <summary>Moves completed submissions to <see cref="Acknowledged"/>.</summary>
        public void Collect()
        {
            foreach (var done in _inFlight.Where(f => f.Task.IsCompleted).ToList())
            {
                _inFlight.Remove(done);
                if (done.Task.IsCompletedSuccessfully)
                {
                    Acknowledged.Add(done.Command);
                }
            }
        }
    }

    /// <summary>
    /// Heals the network and restarts every crashed node, then requires one leader and every node applying the same
    /// committed log within <paramref name="within"/> (the liveness half of a chaos run), and returns the final log.
    /// </summary>
    public static IReadOnlyList<LogEntry> HealAndConverge(SimCluster<RaftNode> cluster, TimeSpan within)
    {
        cluster.Network.Heal();
        foreach (var id in cluster.NodeIds.Where(id => !cluster.IsUp(id)))
        {
            cluster.Restart(id);
        }
        cluster.AwaitLeader(within);
        var applied = cluster.AwaitConverged(within);
        return cluster.LiveNodes.First().Log.Take((int)applied).ToList();
    }

    /// <summary>
    /// Over all the seeds of a scenario some commands were acknowledged, so "every acknowledged command survives" checked
    /// something. (One seed alone, replayed with RAFT_SEED, may acknowledge none: its leaders all crashed first.)
    /// </summary>
    public static void SomeCommandsWereChecked(int checkedCommands)
    {
        if (GateInfo.SeedOverride is null)
        {
            checkedCommands.ShouldBeGreaterThan(0, "§8: over all the seeds some commands were acknowledged, and each was checked: with none, the scenario checked nothing");
        }
    }

    /// <summary>Every acknowledged command is in the committed log exactly once. Returns how many commands were checked.</summary>
    public static int EveryAcknowledgedCommandSurvivesOnce(IReadOnlyList<LogEntry> committed, IEnumerable<string> acknowledged)
    {
        var counts = committed.GroupBy(e => e.Command).ToDictionary(g => g.Key, g => g.Count());
        var commands = acknowledged.ToList();
        var wrong = commands.Where(c => counts.GetValueOrDefault(c) != 1)
            .Select(c => $"'{c}' is in the committed log {counts.GetValueOrDefault(c)} times").ToList();
        wrong.ShouldBeEmpty(
            "§5.4, §8: every command acknowledged to its client is in the committed log, exactly once (a crash must not lose it: it was saved " +
            "before it was acknowledged; and a command is appended once per submission)");
        return commands.Count;
    }
}
