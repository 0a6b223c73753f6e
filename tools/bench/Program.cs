using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Raft;
using Raft.Simulation;

// How many times faster than real time the simulator runs a cluster of the latest reference nodes
// (elections and log replication), with a full trace and the safety checks after every step.
var nodesOption = new Option<int>("--nodes") { Description = "Cluster size.", DefaultValueFactory = _ => 5 };
var seedsOption = new Option<int>("--seeds") { Description = "How many seeds (runs) to time.", DefaultValueFactory = _ => 1000 };
var secondsOption = new Option<int>("--seconds") { Description = "Simulated seconds per run.", DefaultValueFactory = _ => 10 };
var noChecks = new Option<bool>("--no-safety-checks") { Description = "Run without the Figure 3 checks, to see what they cost." };
var rateOption = new Option<int>("--commands-per-second") { Description = "Commands a client submits each simulated second (logs grow to about rate x seconds).", DefaultValueFactory = _ => 20 };
foreach (var (option, range) in new[] { (nodesOption, (1, 9)), (seedsOption, (1, 1_000_000)), (secondsOption, (1, 3600)), (rateOption, (1, 1000)) })
{
    option.Validators.Add(r =>
    {
        if (r.GetValueOrDefault<int>() < range.Item1 || r.GetValueOrDefault<int>() > range.Item2)
        {
            r.AddError($"{option.Name} takes a whole number from {range.Item1} to {range.Item2}.");
        }
    });
}
var root = new RootCommand("Times the simulator on chapter 5's reference: elections, replication, an unreliable network, a crash and restart per run.")
{
    nodesOption, seedsOption, secondsOption, rateOption, noChecks,
};
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine($"bench: {parsed.Errors[0].Message}");
    Console.Error.WriteLine("usage: dotnet run -c Release --project tools/bench -- [--nodes N] [--seeds N] [--seconds S] [--commands-per-second R] [--no-safety-checks]");
    return 2;
}
if (parsed.Action is System.CommandLine.Help.HelpAction)
{
    return parsed.Invoke();
}
var nodes = parsed.GetValue(nodesOption);
var seeds = parsed.GetValue(seedsOption);
var seconds = parsed.GetValue(secondsOption);
var rate = parsed.GetValue(rateOption);
Checks = !parsed.GetValue(noChecks);

for (var warm = 1; warm <= 30; warm++)
{
    Run(nodes, -warm, seconds, rate); // let tiered compilation settle before measuring
}
var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
var watch = Stopwatch.StartNew();
var steps = 0L;
var events = 0L;
for (var seed = 1; seed <= seeds; seed++)
{
    var (s, e) = Run(nodes, seed, seconds, rate);
    steps += s;
    events += e;
}
var wall = watch.Elapsed.TotalSeconds;
var gcPause = GC.GetTotalPauseDuration().TotalSeconds;
var allocatedPerRun = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1e6 / seeds;
var simulated = (double)seeds * seconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{nodes} nodes of chapter 5's reference, {seeds} seeds x {seconds} simulated s, unreliable network, {rate} commands/s, one crash and restart per run{(Checks ? "" : ", no safety checks")}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"wall {wall:0.00} s, {seeds / wall:0} seeds/s, {simulated / wall:0}x real time, {steps / wall / 1e6:0.00} M steps/s, {events / seeds} trace events per run, logs up to {LongestLog} entries, up to {Applied} applied; {allocatedPerRun:0.0} MB allocated per run, {GC.CollectionCount(0)} collections ({GC.CollectionCount(1)} of gen 1, {GC.CollectionCount(2)} of gen 2), {gcPause:0.00} s paused in all"));
return 0;

static (long Steps, int Events) Run(int nodes, int seed, int seconds, int rate)
{
    // Chapter 5's reference: nodes elect their leader, a client submits commands every 50 ms to whichever node leads,
    // entries are committed and applied, and every message leaves after its sender saved (checked); halfway through,
    // one node crashes for a second and comes back from its storage.
    using var cluster = SimCluster.Create(
        new SimulationOptions
        {
            Seed = seed, NodeCount = nodes, Network = NetworkOptions.Unreliable, TraceLogLevel = LogLevel.Warning,
            SafetyRules = Checks ? SafetyRules.Figure3 : () => [],
            RequirePersistBeforeSend = Checks,
        },
        context => new RaftNode(context));
    var step = TimeSpan.FromMilliseconds(50);
    var perStep = Math.Max(1, rate / 20);
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
            cluster.Do(() =>
            {
                for (var i = 0; i < perStep; i++)
                {
                    leader.Submit(KeyValueStore.Put($"k{++command % 16}", $"{command}"));
                }
            });
        }
        cluster.RunFor(step);
    }
    LongestLog = Math.Max(LongestLog, cluster.LiveNodes.Max(n => n.Log.Count));
    Applied = Math.Max(Applied, cluster.LiveNodes.Max(n => n.LastApplied));
    return (cluster.Steps, cluster.Trace.Events.Count);
}

/// <summary>The longest log any run ended with.</summary>
internal static partial class Program
{
    public static int LongestLog;

    /// <summary>The most entries any node applied in a run.</summary>
    public static long Applied;

    /// <summary>Whether the runs check the Figure 3 rules after every step.</summary>
    public static bool Checks = true;
}
