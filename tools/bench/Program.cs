using System.Diagnostics;
using System.Globalization;
using Raft;
using Raft.Simulation;

// How many times faster than real time the simulator runs a cluster of the reference nodes, with a
// full trace and the safety checks after every step. Usage: bench [nodes] [seeds] [simulated seconds]
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
    $"{nodes} nodes, {seeds} seeds x {seconds} simulated s, unreliable network, one crash and restart per run"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"wall {wall:0.00} s, {seeds / wall:0} seeds/s, {simulated / wall:0}x real time, {steps / wall / 1e6:0.00} M steps/s, {events / seeds} trace events per run"));
return 0;

static (long Steps, int Events) Run(int nodes, int seed, int seconds)
{
    using var cluster = SimCluster.Create(
        new SimulationOptions { Seed = seed, NodeCount = nodes, Network = NetworkOptions.Unreliable, TraceLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning },
        context => new RaftNode(context));
    cluster.Do(1, n => n.ForceLeader(1));
    cluster.RunFor(TimeSpan.FromSeconds(seconds / 2.0));
    cluster.Crash(nodes);
    cluster.RunFor(TimeSpan.FromSeconds(1));
    cluster.Restart(nodes);
    cluster.RunFor(TimeSpan.FromSeconds(seconds / 2.0 - 1));
    return (cluster.Steps, cluster.Trace.Events.Count);
}

static int Parse(string text, string what) =>
    int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
        ? n
        : throw new ArgumentException($"bench: {what} must be a positive whole number, not \"{text}\". Usage: bench [nodes] [seeds] [simulated seconds]");
