using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Workspace.Tests;

// The live cluster as a newcomer runs it, and as several terminals would: real processes, real sockets, the real
// clock. Every wait is for a condition, with a deadline; nothing sleeps for a fixed time.
public sealed partial class LiveClusterTests : IDisposable
{
    private static readonly string Dll = Path.Combine(Repo.Root, "tools", "cluster", "bin", "solutions", "Debug", "net10.0", "cluster.dll");
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>The processes' cluster key (chapter 7): nodes and clients that hold it, as the README shows.</summary>
    private const string Key = "a key only this cluster knows";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "raft-processes-" + Guid.NewGuid().ToString("N"));
    private readonly List<Process> _processes = [];

    public void Dispose()
    {
        foreach (var p in _processes.Where(p => !p.HasExited))
        {
            p.Kill(entireProcessTree: true);
        }
        _processes.ForEach(p => p.Dispose());
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private static ProcessStartInfo Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return psi;
    }

    private static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        using var process = Process.Start(Start(args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Deadline);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task The_live_cluster_tells_the_whole_story_and_exits_0()
    {
        var (code, output) = await RunAsync();

        code.ShouldBe(0, $"the live cluster exits 0 on its own:\n{output}");
        output.ShouldContain("becomes leader", Case.Sensitive, "the console shows elections");
        output.ShouldContain("==> Killing node", Case.Sensitive, "the leader is killed");
        output.ShouldContain("is the new leader", Case.Sensitive, "a new leader is elected");
        output.ShouldContain("caught up", Case.Sensitive, "the old leader comes back from its files and catches up");
        output.ShouldContain("read back: all 20 acknowledged keys", Case.Sensitive, $"every acknowledged key is read back:\n{output}");
        output.ShouldContain("was applied once: story = a", Case.Sensitive, $"thesis §6.3: an append resent in its session is applied once:\n{output}");
        output.ShouldContain("20 gets by ReadIndex", Case.Sensitive, $"thesis §6.4: the gets are answered by ReadIndex:\n{output}");
    }

    [Theory]
    [InlineData("--nodes 2", "3 to 9")]
    [InlineData("--nodes x", "x")]
    [InlineData("node --id 4 --cluster 1=127.0.0.1:7001,2=127.0.0.1:7002 --data-dir d", "--id 4 is not one of the nodes")]
    [InlineData("node --id 1 --cluster 1=127.0.0.1:99999 --data-dir d", "is not ID=HOST:PORT")]
    [InlineData("client --cluster 1=127.0.0.1:7001 put onlykey", "put needs a KEY and a VALUE")]
    [InlineData("client --cluster 1=127.0.0.1:7001 delete k", "is not a command")]
    [InlineData("--frobnicate", "frobnicate")]
    [InlineData("node --id 1 --cluster 1=127.0.0.1:7001 --data-dir d --election-timeout 600-300", "give MIN-MAX")]
    [InlineData("node --id 1 --cluster 1=127.0.0.1:7001 --data-dir d --heartbeat 400", "must be longer than HeartbeatInterval")]
    [InlineData("node --id 1 --cluster 1=127.0.0.1:7001 --data-dir d --cluster-key short", "at least 16 characters")]
    [InlineData("client --cluster 1=127.0.0.1:7001 append onlykey", "append needs a KEY and a VALUE")]
    public async Task Wrong_options_get_a_sentence_and_exit_code_2(string args, string sentence)
    {
        var (code, output) = await RunAsync(args.Split(' '));

        code.ShouldBe(2, $"`{args}` is a usage error:\n{output}");
        output.ShouldContain(sentence, Case.Sensitive, $"`{args}` says what is wrong");
    }

    [GeneratedRegex(@"Node (\d+) becomes leader in term (\d+)")]
    private static partial Regex BecomesLeader();

    [Fact]
    public async Task Three_node_processes_survive_the_leader_process_being_killed_with_every_acknowledged_write()
    {
        var ports = FreePorts(3);
        var cluster = string.Join(",", ports.Select((p, i) => $"{i + 1}={IPAddress.Loopback}:{p}"));
        var logs = new Dictionary<int, StringBuilder>();
        var nodes = new Dictionary<int, Process>();
        var leaders = new List<(int Node, long Term)>();
        for (var id = 1; id <= 3; id++)
        {
            var process = Process.Start(Start("node", "--id", $"{id}", "--cluster", cluster, "--data-dir", Path.Combine(_data, $"node{id}"), "--seed", $"{id}",
                "--cluster-key", Key))!;
            _processes.Add(process);
            nodes[id] = process;
            var log = logs[id] = new StringBuilder();
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    return;
                }
                lock (leaders)
                {
                    log.AppendLine(e.Data);
                    if (BecomesLeader().Match(e.Data) is { Success: true } m)
                    {
                        leaders.Add((int.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value)));
                    }
                }
            };
            process.BeginOutputReadLine();
        }

        var acknowledged = new Dictionary<string, string>();
        async Task Put(string key, string value)
        {
            var (code, output) = await RunAsync("client", "--cluster", cluster, "--cluster-key", Key, "--timeout", "30", "put", key, value);
            code.ShouldBe(0, $"put {key} is acknowledged:\n{output}\n{Describe()}");
            output.Trim().ShouldBe("ok", "a put answers ok once applied");
            acknowledged[key] = value;
        }
        string Describe()
        {
            lock (leaders)
            {
                return string.Join("\n", logs.Select(l => $"--- node {l.Key}:\n{l.Value}"));
            }
        }

        for (var i = 1; i <= 5; i++)
        {
            await Put($"k{i}", $"v{i}");
        }
        int leader;
        lock (leaders)
        {
            leaders.ShouldNotBeEmpty($"some node logged that it leads:\n{Describe()}");
            leader = leaders.MaxBy(l => l.Term).Node;
        }

        nodes[leader].Kill(entireProcessTree: true); // no clean shutdown: the process is gone
        await nodes[leader].WaitForExitAsync();
        for (var i = 6; i <= 10; i++)
        {
            await Put($"k{i}", $"v{i}"); // the two left elect a leader and commit
        }

        var (appended, said) = await RunAsync("client", "--cluster", cluster, "--cluster-key", Key, "--timeout", "30", "append", "k1", "+");
        appended.ShouldBe(0, $"append k1 + is acknowledged:\n{said}");
        said.Trim().ShouldBe("v1+", "thesis §6.3: an append answers the value it made, applied once");
        acknowledged["k1"] = "v1+";
        var (refused, why) = await RunAsync("client", "--cluster", cluster, "--timeout", "2", "get", "k1");
        refused.ShouldBe(1, $"a client without the cluster key is not served:\n{why}");
        why.ShouldContain("cluster's key", Case.Sensitive, "it is told the key may be what is missing");

        foreach (var (key, value) in acknowledged)
        {
            var (code, output) = await RunAsync("client", "--cluster", cluster, "--cluster-key", Key, "--timeout", "30", "get", key);
            code.ShouldBe(0, $"get {key} is answered after the leader's process was killed:\n{output}");
            output.Trim().ShouldBe(value, $"{key} reads the value whose put was acknowledged, after node {leader}'s process was killed:\n{Describe()}");
        }
        lock (leaders)
        {
            leaders.ShouldContain(l => l.Node != leader, $"a node other than {leader} took over:\n{Describe()}");
        }
    }

    [GeneratedRegex(@"Node (\d+) becomes candidate in term (\d+)")]
    private static partial Regex BecomesCandidate();

    [Fact]
    public async Task A_follower_restarted_after_a_long_outage_rejoins_its_leader_without_an_election()
    {
        // Election timeouts of 0.5-1 s (a third of the shortest, 166 ms, caps a link's reconnect pause to a peer it reached before),
        // so a loaded machine does not start elections of its own; the scenario is the same as with the defaults.
        var ports = FreePorts(3);
        var cluster = string.Join(",", ports.Select((p, i) => $"{i + 1}={IPAddress.Loopback}:{p}"));
        var logs = new Dictionary<int, StringBuilder>();
        var nodes = new Dictionary<int, Process>();
        Process StartNode(int id)
        {
            var log = logs.TryGetValue(id, out var existing) ? existing : logs[id] = new StringBuilder();
            var process = StartCollecting(log, "node", "--id", $"{id}", "--cluster", cluster, "--data-dir", Path.Combine(_data, $"node{id}"), "--seed", $"{id}",
                "--heartbeat", "100", "--election-timeout", "500-1000", "--verbose");
            return nodes[id] = process;
        }
        string Log(int id)
        {
            lock (logs[id])
            {
                return logs[id].ToString();
            }
        }
        string Describe() => string.Join("\n", logs.Keys.Select(id => $"--- node {id}:\n{Log(id)}"));
        async Task Put(string k, string v)
        {
            var (code, output) = await RunAsync("client", "--cluster", cluster, "--timeout", "30", "put", k, v);
            code.ShouldBe(0, $"put {k} is acknowledged:\n{output}\n{Describe()}");
        }
        async Task Until(Func<bool> condition, string sentence)
        {
            using var timeout = new CancellationTokenSource(Deadline);
            while (!condition())
            {
                try
                {
                    await Task.Delay(20, timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"{sentence} (waited {Deadline.TotalSeconds:0} s)\n{Describe()}");
                }
            }
        }
        (int Node, long Term)[] Leaders() => [.. logs.Keys.SelectMany(id => BecomesLeader().Matches(Log(id)).Select(m => (int.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value))))];
        int Candidacies() => logs.Keys.Sum(id => BecomesCandidate().Matches(Log(id)).Count);

        foreach (var id in new[] { 1, 2, 3 })
        {
            StartNode(id);
        }
        await Put("before", "1");
        await Until(() => Leaders().Length > 0, "a node logs that it leads");
        var (leader, term) = Leaders().MaxBy(l => l.Term);
        var follower = new[] { 1, 2, 3 }.First(id => id != leader);
        var other = new[] { 1, 2, 3 }.First(id => id != leader && id != follower);
        var candidaciesBefore = Candidacies();

        // A long outage: the follower's process is killed, and the leader fails to reach it again and again.
        nodes[follower].Kill(entireProcessTree: true);
        await nodes[follower].WaitForExitAsync();
        var refusedBefore = Regex.Matches(Log(leader), $"Node {leader} lost or cannot reach node {follower}").Count;
        await Put("during", "2");
        await Until(() => Regex.Matches(Log(leader), $"Node {leader} lost or cannot reach node {follower}").Count >= refusedBefore + 8,
            $"node {leader}, the leader, keeps trying to reach node {follower} while it is down");
        var connectedBefore = Regex.Matches(Log(leader), $"Node {leader} connected to node {follower}").Count;

        StartNode(follower);
        await Until(() => Regex.Matches(Log(leader), $"Node {leader} connected to node {follower}").Count > connectedBefore,
            $"the leader reconnects to node {follower} once it is back");
        // Now only the leader and the restarted follower are up: a put commits only if the follower accepted the leader's
        // entries, in the leader's term.
        nodes[other].Kill(entireProcessTree: true);
        await nodes[other].WaitForExitAsync();
        await Put("after", "3");

        Candidacies().ShouldBe(candidaciesBefore, $"§5.2: node {follower} came back after a long outage and rejoined node {leader}, which led all along: no node " +
            $"stood for election. A follower that hears nothing within its election timeout after it restarts (its leader's link still waiting out a long " +
            $"reconnect pause) deposes a healthy leader.\n{Describe()}");
        Leaders().Where(l => l.Term > term).ShouldBeEmpty($"no new term began: node {leader} still leads term {term}.\n{Describe()}");
        Log(follower).ShouldNotContain("StorageCorrupt", Case.Sensitive, "the follower restarted from its files");
    }

    /// <summary>Sends a POSIX signal to a process (SIGTERM from a service manager, SIGINT from Ctrl+C).</summary>
    private static async Task SignalAsync(Process process, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {process.Id}") { UseShellExecute = false })!;
        await kill.WaitForExitAsync();
        kill.ExitCode.ShouldBe(0, $"kill -{signal} reached the process");
    }

    private static async Task<string> UntilLineAsync(Process process, StringBuilder output, string text)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        while (true)
        {
            lock (output)
            {
                if (output.ToString().Contains(text, StringComparison.Ordinal))
                {
                    return output.ToString();
                }
            }
            process.HasExited.ShouldBeFalse($"the process exited before it printed \"{text}\":\n{output}");
            await Task.Delay(20, timeout.Token);
        }
    }

    private Process StartCollecting(StringBuilder output, params string[] args)
    {
        var process = Process.Start(Start(args))!;
        _processes.Add(process);
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    [Fact]
    public async Task A_node_stopped_with_SIGTERM_shuts_down_cleanly_and_keeps_what_it_acknowledged()
    {
        var cluster = $"1={IPAddress.Loopback}:{FreePorts(1)[0]}";
        var dir = Path.Combine(_data, "solo");
        var output = new StringBuilder();
        var node = StartCollecting(output, "node", "--id", "1", "--cluster", cluster, "--data-dir", dir);
        var (put, said) = await RunAsync("client", "--cluster", cluster, "--timeout", "30", "put", "kept", "yes");
        put.ShouldBe(0, $"a one-node cluster acknowledges a put:\n{said}\n{output}");

        await SignalAsync(node, "TERM");
        using (var timeout = new CancellationTokenSource(Deadline))
        {
            await node.WaitForExitAsync(timeout.Token);
        }

        node.ExitCode.ShouldBe(0, $"SIGTERM is a clean shutdown, exit code 0:\n{output}");
        output.ToString().ShouldContain("Node 1 shut down", Case.Sensitive, "the node says it shut down, with what it saved");
        var again = StartCollecting(new StringBuilder(), "node", "--id", "1", "--cluster", cluster, "--data-dir", dir);
        var (get, value) = await RunAsync("client", "--cluster", cluster, "--timeout", "30", "get", "kept");
        get.ShouldBe(0, $"the restarted node answers:\n{value}");
        value.Trim().ShouldBe("yes", "the acknowledged put survived the shutdown and the restart (it was on disk before the answer)");
        await SignalAsync(again, "TERM");
    }

    [Fact]
    public async Task The_live_cluster_kept_running_stops_cleanly_on_Ctrl_C()
    {
        var output = new StringBuilder();
        var story = StartCollecting(output, "--keep-running", "--nodes", "3", "--keys", "3");
        await UntilLineAsync(story, output, "The cluster keeps running");

        await SignalAsync(story, "INT");
        using (var timeout = new CancellationTokenSource(Deadline))
        {
            await story.WaitForExitAsync(timeout.Token);
        }

        story.ExitCode.ShouldBe(0, $"Ctrl+C after the story is a clean exit:\n{output}");
        foreach (var id in new[] { 1, 2, 3 })
        {
            output.ToString().ShouldContain($"Node {id} stopped", Case.Sensitive, $"node {id} was stopped, not abandoned");
        }
    }

    [Fact]
    public async Task A_short_Jepsen_style_round_under_kills_pauses_and_cut_links_is_linearizable()
    {
        var reports = Path.Combine(_data, "jepsen");

        var (code, output) = await RunAsync("jepsen", "--seconds", "8", "--clients", "3", "--report-dir", reports);

        code.ShouldBe(0, $"the round passes: every key's history is linearizable and no acknowledged append is lost:\n{output}");
        output.ShouldContain("every key linearizable", Case.Sensitive, "the checker ran on the history");
        output.ShouldContain("acknowledged appends lost or doubled: none", Case.Sensitive, "no acknowledged write was lost");
        output.ShouldContain("nemesis: kill -9 node", Case.Sensitive, $"the nemesis killed a node process:\n{output}");
        output.ShouldContain("nemesis: SIGSTOP node", Case.Sensitive, $"the nemesis paused a node:\n{output}");
        output.ShouldContain("nemesis: cut every link", Case.Sensitive, $"the nemesis cut a node off:\n{output}");
        var report = Directory.GetFiles(reports, "jepsen-*.md").ShouldHaveSingleItem("the round writes one report");
        File.ReadAllText(report).ShouldContain("PASS", Case.Sensitive, "the report gives the verdict");
        Directory.GetFiles(reports, "jepsen-*.html").ShouldHaveSingleItem("and the picture of the history");
        Regex.Match(output, @"load: 3 clients for 8 s: (\d+) operations").Groups[1].Value.ShouldNotBeEmpty($"the report counts the operations:\n{output}");
        int.Parse(Regex.Match(output, @"load: 3 clients for 8 s: (\d+) operations").Groups[1].Value).ShouldBeGreaterThan(100, "the clients did work under the faults");
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
