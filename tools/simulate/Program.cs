using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Raft;
using Raft.Simulation;

// Runs a simulated cluster of the chapter's RaftNode with console logging (stamped with simulated time), optionally
// crashing and restarting nodes and submitting client commands, then writes its timeline. Every option is checked;
// a wrong one gets a sentence, the usage and exit code 2.
const string Usage = """
    usage: dotnet run --project tools/simulate [-p:Chapter=NN-slug] [-p:Against=solutions] -- [options]
      --seed N            the run's seed (default 1): the same seed gives the same run
      --nodes N           cluster size, 1 to 9 (default 3)
      --seconds S         simulated seconds to run (default 2)
      --appoint N         make node N leader of term 1 at the start (chapter 1 has no elections yet)
      --crash N@MS        crash node N at MS milliseconds of simulated time (repeatable)
      --restart N@MS      restart node N at MS milliseconds (repeatable)
      --partition A/B@MS  cut the cluster in two at MS milliseconds, e.g. 1,2/3,4,5@500 (repeatable)
      --heal MS           join every part of the cluster again at MS milliseconds (repeatable)
      --submit CMD@MS     a client submits CMD to the leader at MS milliseconds (repeatable; chapter 3 on)
      --commands N        a client submits N commands x=1, x=2, ... to the leader, one every 100 ms from 1 s on
      --unreliable        lose, duplicate and delay messages
      --out FILE          where to write the timeline (default artifacts/simulate/seed-N.html)
    """;

var seed = new Option<long>("--seed") { Description = "The run's seed: the same seed gives the same run.", DefaultValueFactory = _ => 1 };
var nodes = new Option<int>("--nodes") { Description = "Cluster size, 1 to 9.", DefaultValueFactory = _ => 3 };
nodes.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 9) r.AddError("--nodes takes a number from 1 to 9."); });
var seconds = new Option<double>("--seconds") { Description = "Simulated seconds to run.", DefaultValueFactory = _ => 2 };
seconds.Validators.Add(r => { if (r.GetValueOrDefault<double>() is <= 0 or > 600) r.AddError("--seconds takes a number of simulated seconds, more than 0 and at most 600."); });
var appoint = new Option<int?>("--appoint") { Description = "Make node N leader of term 1 at the start (chapter 1 has no elections yet)." };
var crash = new Option<string[]>("--crash") { Description = "Crash node N at MS milliseconds: N@MS (repeatable).", AllowMultipleArgumentsPerToken = false };
var restart = new Option<string[]>("--restart") { Description = "Restart node N at MS milliseconds: N@MS (repeatable)." };
var partition = new Option<string[]>("--partition") { Description = "Cut the cluster in two at MS milliseconds: A/B@MS, e.g. 1,2/3,4,5@500 (repeatable)." };
var heal = new Option<int[]>("--heal") { Description = "Join every part of the cluster again at MS milliseconds (repeatable)." };
var submit = new Option<string[]>("--submit") { Description = "A client submits CMD to the leader at MS milliseconds: CMD@MS (repeatable)." };
var commands = new Option<int>("--commands") { Description = "Submit N commands x=1, x=2, ... to the leader, one every 100 ms from 1 s on." };
commands.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 0 or > 10000) r.AddError("--commands takes a number from 0 to 10000."); });
var unreliable = new Option<bool>("--unreliable") { Description = "Lose, duplicate and delay messages." };
var output = new Option<string?>("--out") { Description = "Where to write the timeline (default artifacts/simulate/seed-N.html)." };

var root = new RootCommand("A simulated cluster of your chapter's nodes, with their logs in the console and a timeline at the end.")
{
    seed, nodes, seconds, appoint, crash, restart, partition, heal, submit, commands, unreliable, output,
};
root.SetAction(p => Simulate(p));
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    return Fail(parsed.Errors[0].Message);
}
try
{
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (ArgumentException e)
{
    return Fail(e.Message);
}

static int Fail(string sentence)
{
    Console.Error.WriteLine($"simulate: {sentence}");
    Console.Error.WriteLine();
    Console.Error.WriteLine(Usage);
    return 2;
}

int Simulate(ParseResult p)
{
    var n = p.GetValue(nodes);
    var events = new List<(TimeSpan At, string What, int Node, string Command)>();
    var groups = new Dictionary<string, (int[] A, int[] B)>();
    foreach (var text in p.GetValue(partition) ?? [])
    {
        var at = text.LastIndexOf('@');
        var sides = at > 0 ? text[..at].Split('/') : [];
        int[]? Side(string side) => side.Split(',').Select(x => int.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1).ToArray() is var ids && ids.All(id => id >= 1 && id <= n) ? ids : null;
        if (sides.Length != 2 || Side(sides[0]) is not { } left || Side(sides[1]) is not { } right || left.Intersect(right).Any() ||
            !int.TryParse(text[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            throw new ArgumentException($"--partition takes two groups of nodes 1 to {n} with no node in both, and a time: A/B@MS, like --partition 1,2/3@500; got `{text}`.");
        }
        groups[text] = (left, right);
        events.Add((TimeSpan.FromMilliseconds(ms), "partition", 0, text));
    }
    foreach (var ms in p.GetValue(heal) ?? [])
    {
        if (ms < 0)
        {
            throw new ArgumentException($"--heal takes a time in milliseconds, 0 or more; got {ms}.");
        }
        events.Add((TimeSpan.FromMilliseconds(ms), "heal", 0, ""));
    }
    foreach (var (option, what) in new[] { (crash, "crash"), (restart, "restart") })
    {
        foreach (var text in p.GetValue(option) ?? [])
        {
            var parts = text.Split('@');
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var node) ||
                !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                throw new ArgumentException($"--{what} takes NODE@MILLISECONDS, like --{what} 2@500; got `{text}`.");
            }
            if (node < 1 || node > n)
            {
                throw new ArgumentException($"--{what} {text}: the cluster has nodes 1 to {n}.");
            }
            events.Add((TimeSpan.FromMilliseconds(ms), what, node, ""));
        }
    }
    foreach (var text in p.GetValue(submit) ?? [])
    {
        var at = text.LastIndexOf('@');
        if (at <= 0 || !int.TryParse(text[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            throw new ArgumentException($"--submit takes COMMAND@MILLISECONDS, like --submit x=1@1200; got `{text}`.");
        }
        events.Add((TimeSpan.FromMilliseconds(ms), "submit", 0, text[..at]));
    }
    for (var i = 1; i <= p.GetValue(commands); i++)
    {
        events.Add((TimeSpan.FromMilliseconds(900 + 100 * i), "submit", 0, $"x={i}"));
    }
    if (p.GetValue(appoint) is { } a && (a < 1 || a > n))
    {
        throw new ArgumentException($"--appoint {a}: the cluster has nodes 1 to {n}.");
    }
    // Submit exists from chapter 3 on; earlier chapters' nodes have nothing to submit to.
    var submitMethod = typeof(RaftNode).GetMethod("Submit", [typeof(string)]);
    if (submitMethod is null && events.Any(e => e.What == "submit"))
    {
        throw new ArgumentException("This chapter's node has no Submit yet (chapter 3 adds it): run with -p:Chapter=03-log-replication or later.");
    }

    using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.IncludeScopes = false;
    }).SetMinimumLevel(LogLevel.Information));
    var runSeed = p.GetValue(seed);
    using var cluster = SimCluster.Create(
        new SimulationOptions { Seed = runSeed, NodeCount = n, Network = p.GetValue(unreliable) ? NetworkOptions.Unreliable : NetworkOptions.Reliable, Loggers = loggers },
        context => new RaftNode(context));
    var end = TimeSpan.FromSeconds(p.GetValue(seconds));
    var log = loggers.CreateLogger("Raft.Simulate");
    // What falls after the end of the run does not happen: say so now, not by silence.
    var late = events.Where(e => e.At > end).ToList();
    if (late.Count > 0)
    {
        var lastAt = late.Max(e => e.At).TotalSeconds;
        var lateCommands = late.Count(e => e.What == "submit");
        log.LogWarning("{Count} of the events asked for fall after the run's end at {End} s ({Commands} of them client commands) and will not happen: " +
                       "add --seconds {Seconds} to see them all", late.Count, end.TotalSeconds, lateCommands, Math.Ceiling(lastAt + 0.5));
    }
    void Say(string what) => log.LogInformation("{Time} ms  ==> {What}", TraceEvent.Milliseconds(cluster.Now), what);
    var submitted = 0;
    var accepted = 0;
    string verdict;
    try
    {
        if (p.GetValue(appoint) is { } leader)
        {
            cluster.Do(leader, node => node.ForceLeader(1));
        }
        foreach (var e in events.Where(e => e.At <= end).OrderBy(e => e.At))
        {
            cluster.RunUntil(e.At);
            switch (e.What)
            {
                case "crash" when cluster.IsUp(e.Node):
                    Say($"node {e.Node} crashes");
                    cluster.Crash(e.Node);
                    break;
                case "restart" when !cluster.IsUp(e.Node):
                    cluster.Restart(e.Node);
                    // Before chapter 5 a node saves nothing, so it comes back empty: it has forgotten its term, its vote and the
                    // entries it acknowledged, which Raft's rules assume it kept (Figure 2: persistent state).
                    cluster.Note($"node {e.Node} restarts with only what it saved to storage");
                    Say($"node {e.Node} restarts with only what it saved to storage");
                    break;
                case "partition":
                    var (left, right) = groups[e.Command];
                    cluster.Network.Partition(left, right);
                    cluster.Note($"partition: {string.Join(",", left)} | {string.Join(",", right)}");
                    Say($"the network is cut: nodes {string.Join(", ", left)} on one side, {string.Join(", ", right)} on the other");
                    break;
                case "heal":
                    cluster.Network.Heal();
                    cluster.Note("the network heals");
                    Say("the network heals: every node can reach every other again");
                    break;
                case "submit":
                    submitted++;
                    var target = cluster.LiveNodes.FirstOrDefault(x => x.Role == Role.Leader);
                    if (target is null)
                    {
                        cluster.Note($"client: no leader for {e.Command}");
                        Say($"client: no leader to take {e.Command}");
                        break;
                    }
                    object? result = null;
                    cluster.Do(() => result = submitMethod!.Invoke(target, [e.Command]));
                    var ok = result?.GetType().GetProperty("Accepted")?.GetValue(result) is true;
                    accepted += ok ? 1 : 0;
                    cluster.Note($"client: {e.Command} to node {target.Id}: {(ok ? "accepted" : "refused")}");
                    Say($"client: {e.Command} to node {target.Id}: {(ok ? "accepted" : "refused")}");
                    break;
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
    foreach (var node in cluster.LiveNodes)
    {
        var last = string.Join(" ", node.Log.TakeLast(8).Select((e, i) => $"{e.Term}:{e.Command}"));
        Console.WriteLine($"node {node.Id}: {node.Role}, term {node.CurrentTerm}, commit {node.CommitIndex}, log {node.Log.Count} entries{(node.Log.Count > 0 ? $" (last: {last})" : "")}");
    }
    if (submitted > 0)
    {
        Console.WriteLine($"client: {accepted} of {submitted} commands accepted by a leader");
    }
    var path = new Timeline(cluster.Trace).WriteHtml(p.GetValue(output) ?? Path.Combine("artifacts", "simulate", $"seed-{runSeed}.html"), $"{n} nodes, seed {runSeed}");
    Console.WriteLine(verdict);
    Console.WriteLine($"Timeline: {path}");
    return verdict.StartsWith("No safety", StringComparison.Ordinal) ? 0 : 1;
}
