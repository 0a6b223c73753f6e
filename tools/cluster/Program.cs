using Course;
using System.CommandLine;
using Microsoft.Extensions.Logging;
using Raft;

// The walkthrough's main(): start a cluster, run every node's loops at once, and watch it work. Three commands:
//   (none)  a whole cluster on 127.0.0.1 telling its story, then a summary (exits 0 on its own);
//   node    one node per process, for several terminals or machines;
//   client  put and get against a running cluster.

var nodesOption = new Option<int>("--nodes") { Description = "How many nodes (3 to 9).", DefaultValueFactory = _ => 5 };
var seedOption = new Option<int>("--seed") { Description = "Seeds the nodes' election timeouts.", DefaultValueFactory = _ => 1 };
var dataOption = new Option<string?>("--data-dir") { Description = "Where the nodes keep their files (one folder per node). Default: a temporary folder, deleted at the end." };
var keepOption = new Option<bool>("--keep-running") { Description = "After the story, keep the cluster running until Ctrl+C (then shut down cleanly)." };
var keysOption = new Option<int>("--keys") { Description = "How many keys the client puts before and after the failover (1 to 1000).", DefaultValueFactory = _ => 10 };

var root = new RootCommand("A live Raft cluster on this machine: elections, commits, a leader killed and replaced, the old one back from its files.")
{
    nodesOption, seedOption, dataOption, keepOption, keysOption,
};

var idOption = new Option<int>("--id") { Description = "This node's id (one of --cluster).", Required = true };
var clusterOption = new Option<string>("--cluster") { Description = "Every node and its address: 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003", Required = true };
var nodeData = new Option<string>("--data-dir") { Description = "This node's folder for its files.", Required = true };
var nodeSeed = new Option<int>("--seed") { Description = "Seeds this node's election timeouts.", DefaultValueFactory = _ => 1 };
var heartbeatOption = new Option<int>("--heartbeat") { Description = "Milliseconds between a leader's heartbeats (default 100).", DefaultValueFactory = _ => 100 };
var electionOption = new Option<string>("--election-timeout") { Description = "MIN-MAX milliseconds a follower waits for a leader (default 300-600).", DefaultValueFactory = _ => "300-600" };
var verboseOption = new Option<bool>("--verbose") { Description = "Also log each connection made, lost or refused (Debug)." };
var keyOption = new Option<string?>("--cluster-key")
{
    Description = $"The secret every node and client of the cluster holds (at least 16 characters; default: the {Commands.KeyVariable} environment variable, else none). " +
                  "With it, a process that does not hold the key cannot speak to a node.",
};
var node = new Command("node", "Run one node until Ctrl+C (or SIGTERM), then shut down cleanly.")
{
    idOption, clusterOption, nodeData, nodeSeed, heartbeatOption, electionOption, verboseOption, keyOption,
};
root.Subcommands.Add(node);

var clientCluster = new Option<string>("--cluster") { Description = "The cluster's nodes: 1=127.0.0.1:7001,2=127.0.0.1:7002,...", Required = true };
var verb = new Argument<string>("command") { Description = "put, append or get" };
var key = new Argument<string>("key");
var value = new Argument<string?>("value") { Arity = ArgumentArity.ZeroOrOne };
var timeoutOption = new Option<int>("--timeout") { Description = "Seconds to keep trying before giving up.", DefaultValueFactory = _ => 15 };
var client = new Command("client", "Put, append or get a key on a running cluster: client --cluster ... put KEY VALUE | append KEY VALUE | get KEY")
{
    clientCluster, timeoutOption, keyOption, verb, key, value,
};
root.Subcommands.Add(client);

var jepsenNodes = new Option<int>("--nodes") { Description = "How many node processes (3 or 5).", DefaultValueFactory = _ => 3 };
var jepsenClients = new Option<int>("--clients") { Description = "How many concurrent clients (1 to 32).", DefaultValueFactory = _ => 4 };
var jepsenSeconds = new Option<int>("--seconds") { Description = "How long the clients and the nemesis run (5 to 3600).", DefaultValueFactory = _ => 30 };
var jepsenSeed = new Option<int>("--seed") { Description = "Seeds the clients' operations and the nemesis' choices.", DefaultValueFactory = _ => 1 };
var jepsenReport = new Option<string>("--report-dir") { Description = "Where the report, the picture of the history and (on a failure) the nodes' logs go.", DefaultValueFactory = _ => Path.Combine("artifacts", "jepsen") };
var jepsen = new Command("jepsen", "A Jepsen-style round: node processes, clients recording a history, a nemesis (kill -9, SIGSTOP, cut links), then the linearizability checker.")
{
    jepsenNodes, jepsenClients, jepsenSeconds, jepsenSeed, jepsenReport,
};
root.Subcommands.Add(jepsen);

// The commands run below, after the checks; these actions only let the parser accept each command alone.
root.SetAction(_ => 0);
node.SetAction(_ => 0);
client.SetAction(_ => 0);
jepsen.SetAction(_ => 0);

const string usage = "Usage: cluster [--nodes N] [--seed S] [--data-dir DIR] [--keys K] [--keep-running]\n" +
                     "       cluster node --id N --cluster 1=HOST:PORT,... --data-dir DIR [--heartbeat MS] [--election-timeout MIN-MAX] [--cluster-key KEY] [--verbose]\n" +
                     "       cluster client --cluster 1=HOST:PORT,... [--cluster-key KEY] put KEY VALUE | append KEY VALUE | get KEY\n" +
                     "       cluster jepsen [--nodes 3|5] [--clients C] [--seconds S] [--seed S] [--report-dir DIR]";
var parsed = root.Parse(args);
if (Cli.Rejected(parsed, "cluster", usage, Console.Error) is { } rejected)
{
    return rejected;
}
if (parsed.GetResult(node) is not null)
{
    return await Guard(() => Commands.RunNodeAsync(parsed.GetValue(idOption), parsed.GetValue(clusterOption)!, parsed.GetValue(nodeData)!, parsed.GetValue(nodeSeed),
        Commands.ParseTiming(parsed.GetValue(heartbeatOption), parsed.GetValue(electionOption)!), parsed.GetValue(verboseOption), parsed.GetValue(keyOption)));
}
if (parsed.GetResult(client) is not null)
{
    return await Guard(() => Commands.RunClientAsync(parsed.GetValue(clientCluster)!, parsed.GetValue(verb)!, parsed.GetValue(key)!, parsed.GetValue(value),
        parsed.GetValue(timeoutOption), parsed.GetValue(keyOption)));
}
if (parsed.GetResult(jepsen) is not null && !args.Contains("--help") && !args.Contains("-h"))
{
    return await Guard(() => Commands.RunJepsenAsync(parsed.GetValue(jepsenNodes), parsed.GetValue(jepsenClients), parsed.GetValue(jepsenSeconds),
        parsed.GetValue(jepsenSeed), parsed.GetValue(jepsenReport)!));
}
if (parsed.Action is not null && (args.Contains("--help") || args.Contains("-h") || args.Contains("-?") || args.Contains("--version")))
{
    return await parsed.InvokeAsync();
}
return await Guard(() => Commands.RunStoryAsync(parsed.GetValue(nodesOption), parsed.GetValue(seedOption), parsed.GetValue(dataOption),
    parsed.GetValue(keepOption), parsed.GetValue(keysOption)));

// Wrong input is a sentence and exit code 2; a failure of the run is a sentence and 1; never a stack trace alone.
async Task<int> Guard(Func<Task<int>> run)
{
    try
    {
        return await run();
    }
    catch (Cli.UsageException e)
    {
        return Cli.Fail("cluster", usage, Console.Error, e.Message);
    }
    catch (Exception e) when (e is PortInUseException or StorageCorruptException or TimeoutException)
    {
        Console.Error.WriteLine(e.Message);
        return 1;
    }
}
