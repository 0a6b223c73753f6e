using System.Globalization;
using Microsoft.Extensions.Logging;
using Raft;
using Raft.Simulation;

// Runs a simulated cluster of the chapter's RaftNode with console logging, then writes its timeline.
// Every option is checked; a wrong one gets a sentence and exit code 2.
const string Usage = """
    usage: dotnet run --project tools/watch -- [options]
      --seed N          the run's seed (default 1): the same seed gives the same run
      --nodes N         cluster size, 1 to 9 (default 3)
      --seconds S       simulated seconds to run (default 2)
      --appoint N       make node N leader of term 1 at the start (chapter 1 has no elections yet)
      --crash N@MS      crash node N at MS milliseconds of simulated time (repeatable)
      --restart N@MS    restart node N at MS milliseconds (repeatable)
      --unreliable      lose, duplicate and delay messages
      --out FILE        where to write the timeline (default artifacts/watch/seed-N.html)
    Runs your code in chapters/01-node-setup; add -p:Chapter=NN-slug before -- for another chapter,
    -p:Against=solutions for the reference.
    """;

long seed = 1;
int nodes = 3, appoint = 0;
double seconds = 2;
var unreliable = false;
string? output = null;
var events = new List<(TimeSpan At, string What, int Node)>();
try
{
    for (var i = 0; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
        switch (args[i])
        {
            case "help" or "--help" or "-h":
                Console.WriteLine(Usage);
                return 0;
            case "--seed":
                seed = long.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : throw new ArgumentException("--seed takes a whole number.");
                break;
            case "--nodes":
                nodes = int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 9 ? n : throw new ArgumentException("--nodes takes a number from 1 to 9.");
                break;
            case "--seconds":
                seconds = double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d is > 0 and <= 600 ? d : throw new ArgumentException("--seconds takes a number of simulated seconds, more than 0 and at most 600.");
                break;
            case "--appoint":
                appoint = int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var a) && a >= 1 ? a : throw new ArgumentException("--appoint takes a node number.");
                break;
            case "--crash" or "--restart":
                var what = args[i];
                var parts = Next().Split('@');
                if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var node) ||
                    !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
                {
                    throw new ArgumentException($"{what} takes NODE@MILLISECONDS, like {what} 2@500.");
                }
                events.Add((TimeSpan.FromMilliseconds(ms), what, node));
                break;
            case "--unreliable":
                unreliable = true;
                break;
            case "--out":
                output = Next();
                break;
            default:
                throw new ArgumentException($"`{args[i]}` is not an option.");
        }
    }
    if (appoint > nodes || events.Any(e => e.Node < 1 || e.Node > nodes))
    {
        throw new ArgumentException($"The cluster has nodes 1 to {nodes}.");
    }
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"watch: {e.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}

using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.IncludeScopes = false;
}).SetMinimumLevel(LogLevel.Information));
using var cluster = SimCluster.Create(
    new SimulationOptions { Seed = seed, NodeCount = nodes, Network = unreliable ? NetworkOptions.Unreliable : NetworkOptions.Reliable, Loggers = loggers },
    context => new RaftNode(context));
var end = TimeSpan.FromSeconds(seconds);
string verdict;
try
{
    if (appoint > 0)
    {
        cluster.Do(appoint, n => n.ForceLeader(1));
    }
    foreach (var (at, what, node) in events.Where(e => e.At <= end).OrderBy(e => e.At))
    {
        cluster.RunUntil(at);
        if (what == "--crash")
        {
            cluster.Crash(node);
        }
        else
        {
            cluster.Restart(node);
        }
    }
    cluster.RunUntil(end);
    verdict = "No safety rule broke.";
}
catch (SimulationFailedException e)
{
    verdict = $"The run stopped: {e.Message}";
}
catch (InvalidOperationException e)
{
    verdict = $"The run stopped: {e.Message}";
}
loggers.Dispose(); // flush the console logger before the summary
Console.WriteLine();
foreach (var n in cluster.LiveNodes)
{
    Console.WriteLine($"node {n.Id}: {n.Role}, term {n.CurrentTerm}, log {n.Log.Count} entries, commit {n.CommitIndex}");
}
var path = new Timeline(cluster.Trace).WriteHtml(output ?? Path.Combine("artifacts", "watch", $"seed-{seed}.html"), $"{nodes} nodes, seed {seed}");
Console.WriteLine(verdict);
Console.WriteLine($"Timeline: {path}");
return verdict.StartsWith("No safety", StringComparison.Ordinal) ? 0 : 1;
