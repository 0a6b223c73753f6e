using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Raft;

// The reference over loopback, as it runs for real: three node processes (tools/cluster's `node`), each with its
// FileStorage (fsync before every reply), and clients in this process. Measures committed commands per second and
// submit latency with 1 and with 32 clients, reads by ReadIndex beside reads through the log, the time from a cold start to the first commit, and the time from
// killing the leader's process to the next commit.
var secondsOption = new Option<int>("--seconds") { Description = "How long each load runs.", DefaultValueFactory = _ => 10 };
var runsOption = new Option<int>("--failovers") { Description = "How many times to kill the leader and time the failover.", DefaultValueFactory = _ => 5 };
var root = new RootCommand("Throughput, latency and failover of the reference over loopback.") { secondsOption, runsOption };
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    parsed.Errors.ToList().ForEach(e => Console.Error.WriteLine(e.Message));
    return 2;
}
var seconds = parsed.GetValue(secondsOption);
var failovers = parsed.GetValue(runsOption);
if (seconds is < 1 or > 600 || failovers is < 1 or > 100)
{
    Console.Error.WriteLine("--seconds is 1 to 600 and --failovers 1 to 100.");
    return 2;
}

var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))!);
var clusterDll = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "cluster", "bin", "solutions", configuration, "net10.0", "cluster.dll"));
if (!File.Exists(clusterDll))
{
    Console.Error.WriteLine($"{clusterDll} is missing: build tools/cluster in {configuration} first.");
    return 1;
}
var data = Path.Combine(Path.GetTempPath(), $"raft-wirebench-{Environment.ProcessId}");
Processes? running = null;

// Runs `clients` clients, each in its own session, for --seconds; prints the rate and the latency of one operation.
async Task MeasureAsync(int clients, string what, string unit, Func<KeyValueClient, int, int, CancellationToken, Task<string>> operation)
{
    var latencies = new List<double>[clients];
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
    {
        latencies[c] = [];
        await using var client = new KeyValueClient(new RaftClient(running!.Addresses));
        var n = 0;
        while (!stop.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await operation(client, c, n++, stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            latencies[c].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }));
    var all = latencies.SelectMany(l => l).Order().ToList();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{clients,2} client(s), {what}: {all.Count / clock.Elapsed.TotalSeconds:0} {unit}, latency median {all[all.Count / 2]:0.0} ms, p99 {all[(int)(all.Count * 0.99)]:0.0} ms ({all.Count} operations)"));
}
try
{
    await using var cluster = new Processes(clusterDll, data);
    running = cluster;
    var coldStart = Stopwatch.StartNew();
    cluster.StartAll();
    await using (var first = new KeyValueClient(new RaftClient(cluster.Addresses)))
    {
        await first.PutAsync("warm", "up");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cold start: three processes started, a leader elected and the first command committed in {coldStart.ElapsedMilliseconds} ms"));
    }
    // Writes; then reads of the same keys, by ReadIndex (the leader confirms it leads with one round of heartbeats,
    // no log entry) and through the log (a get sent in a session: an entry, replicated and fsynced, like a write).
    foreach (var clients in new[] { 1, 32 })
    {
        await MeasureAsync(clients, "puts", "commits/s", (client, c, n, t) => client.PutAsync($"c{c}", $"{n}", t));
    }
    foreach (var clients in new[] { 1, 32 })
    {
        await MeasureAsync(clients, "gets by ReadIndex", "reads/s", (client, c, n, t) => client.GetAsync($"c{c}", t));
        await MeasureAsync(clients, "gets through the log", "reads/s", (client, c, n, t) => client.WriteAsync(KeyValueStore.Get($"c{c}"), t));
    }
    var times = new List<double>();
    await using (var client = new KeyValueClient(new RaftClient(cluster.Addresses) { AttemptTimeout = TimeSpan.FromMilliseconds(500) }))
    {
        for (var i = 0; i < failovers; i++)
        {
            await client.PutAsync("before", $"{i}");
            var leader = client.Raft.Leader!.Value;
            var killed = Stopwatch.StartNew();
            cluster.Kill(leader);
            await client.PutAsync("after", $"{i}");
            times.Add(killed.Elapsed.TotalMilliseconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"failover {i + 1}: killed node {leader}'s process; node {client.Raft.Leader} committed the next command {killed.ElapsedMilliseconds} ms later"));
            cluster.Start(leader); // back for the next round
            await client.PutAsync("rejoined", $"{i}");
        }
    }
    times.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"failover: median {times[times.Count / 2]:0} ms, worst {times[^1]:0} ms over {times.Count} kills (election timeouts 300 to 600 ms)"));
    return 0;
}
finally
{
    if (Directory.Exists(data))
    {
        Directory.Delete(data, recursive: true);
    }
}

/// <summary>Three node processes of tools/cluster on free loopback ports.</summary>
internal sealed class Processes(string clusterDll, string data) : IAsyncDisposable
{
    private readonly Dictionary<int, Process> _nodes = [];

    public IReadOnlyList<NodeAddress> Addresses { get; } = NodeAddress.OnLoopback(3);

    public void StartAll()
    {
        foreach (var a in Addresses)
        {
            Start(a.Id);
        }
    }

    public void Start(int id)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { clusterDll, "node", "--id", $"{id}", "--cluster", string.Join(",", Addresses.Select(n => $"{n.Id}={n}")),
                     "--data-dir", Path.Combine(data, $"node{id}"), "--seed", $"{id}" })
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _nodes[id] = process;
    }

    public void Kill(int id)
    {
        _nodes[id].Kill(entireProcessTree: true);
        _nodes[id].WaitForExit();
        _nodes[id].Dispose();
        _nodes.Remove(id);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var id in _nodes.Keys.ToList())
        {
            Kill(id);
        }
        return ValueTask.CompletedTask;
    }

}
