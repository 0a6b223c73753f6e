using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Raft;
using Raft.Simulation;

// How many times faster than real time the simulator runs a cluster of the latest reference nodes
// (elections and log replication), with a full trace and the safety checks after every step. Usage: bench [nodes] [seeds] [simulated seconds]
var nodes = args.Length > 0 ? Parse(args[0], "nodes") : 5;
var seeds = args.Length > 1 ? Parse(args[1], "seeds") : 1000;
var seconds = args.Length > 2 ? Parse(args[2], "simulated seconds") : 10;

for (var warm = 1; warm <= 30; warm++)
{
    Run(nodes, -warm, seconds); // let tiered compilation settle before measuring
}
var watch = Stopwatch.StartNew();
var steps = 0L;
var events = 0L;
for (var seed = 1; seed <= seeds; seed++)
{
    var (s, e) = Run(nodes, seed, seconds);
    steps += s;
    events += e;
}
var wall = watch.Elapsed.TotalSeconds;
var simulated = (double)seeds * seconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{nodes} nodes of chapter 3's reference, {seeds} seeds x {seconds} simulated s, unreliable network, 20 commands/s, one crash and restart per run"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"wall {wall:0.00} s, {seeds / wall:0} seeds/s, {simulated / wall:0}x real time, {steps / wall / 1e6:0.00} M steps/s, {events / seeds} trace events per run"));
return 0;

static (long Steps, int Events) Run(int nodes, int seed, int seconds)
{
    // Chapter 3's reference: nodes elect their leader, and a client submits a command every 50 ms to
    // whichever node leads; halfway through, one node crashes for a second.
    using var cluster = SimCluster.Create(
        new SimulationOptions { Seed = seed, NodeCount = nodes, Network = NetworkOptions.Unreliable, TraceLogLevel = LogLevel.Warning },
        context => new RaftNode(context));
    var step = TimeSpan.FromMilliseconds(50);
    var end = TimeSpan.FromSeconds(seconds);
    var command = 0;
    while (cluster.Now < end)
    {
        if (cluster.Now >= end / 2 && cluster.IsUp(nodes) && cluster.Now < end / 2 + step)
        {
            cluster.Crash(nodes);
        }
        if (!cluster.IsUp(nodes) && cluster.Now >= end / 2 + TimeSpan.FromSeconds(1))
        {
            cluster.Restart(nodes);
        }
        var leader = cluster.LiveNodes.FirstOrDefault(n => n.Role == Role.Leader);
        if (leader is not null)
        {
            cluster.Do(() => leader.Submit($"c{++command}"));
        }
        cluster.RunFor(step);
    }
    return (cluster.Steps, cluster.Trace.Events.Count);
}

static int Parse(string text, string what) =>
    int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
        ? n
        : throw new ArgumentException($"bench: {what} must be a positive whole number, not \"{text}\". Usage: bench [nodes] [seeds] [simulated seconds]");
