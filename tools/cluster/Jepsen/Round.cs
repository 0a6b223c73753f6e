#if CH07
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Raft.Simulation.Linearizability;

using Raft;

namespace Cluster.Jepsen;

/// <summary>
/// A Jepsen-style round against the live cluster: real node processes on 127.0.0.1, each link between two nodes through
/// a proxy the nemesis can cut, concurrent clients that record when each operation began and ended and what it was told
/// (ok, failed, or unknown: no answer in time), and a nemesis that kills and restarts nodes (SIGKILL), pauses the leader
/// longer than an election timeout (SIGSTOP, then SIGCONT) and cuts a node off (every link to and from it). Then it heals
/// everything, reads every key, and checks the history with the linearizability checker, plus that no acknowledged
/// append was lost.
/// </summary>
internal sealed class Round(RoundOptions options, TextWriter console)
{
    /// <summary>Keys that only ever get appends of unique tokens: a lost acknowledged write shows as a missing token.</summary>
    private static readonly string[] AppendKeys = ["a0", "a1", "a2"];

    /// <summary>Keys that get puts and gets.</summary>
    private static readonly string[] PutKeys = ["r0", "r1"];

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _faults = [];

    private void Say(string text) => console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,6:0.00} s] {text}"));

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var data = Path.Combine(Path.GetTempPath(), $"raft-jepsen-{Environment.ProcessId}");
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var addresses = NodeAddress.OnLoopback(options.Nodes);
        // Node i reaches node j at proxy (i, j): cutting it cuts exactly that direction of that link.
        var proxies = addresses.SelectMany(from => addresses.Where(to => to.Id != from.Id).Select(to => new LinkProxy(from.Id, to))).ToList();
        var nodes = addresses.Select(a => new NodeProcess(a.Id,
        [
            "node", "--id", $"{a.Id}", "--data-dir", Path.Combine(data, $"node{a.Id}"), "--seed", $"{options.Seed * 10 + a.Id}", "--cluster-key", key,
            "--cluster", string.Join(",", addresses.Select(b => b.Id == a.Id ? $"{b.Id}={b}" : $"{b.Id}=127.0.0.1:{proxies.Single(p => p.From == a.Id && p.To == b.Id).Port}")),
        ])).ToList();
        // Microseconds since the round began: readable in a report, and fine enough that two operations rarely share a time.
        var recorder = new HistoryRecorder(() => _clock.ElapsedTicks * 1_000_000 / Stopwatch.Frequency);
        var throughput = 0;
        try
        {
            Say($"starting {options.Nodes} node processes on 127.0.0.1 ({string.Join(", ", addresses)}), each link through a proxy, files in {data}");
            nodes.ForEach(n => n.Start());
            await UntilAsync(() => nodes.All(n => n.Listening), "every node process listens", TimeSpan.FromSeconds(60), cancellationToken);

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stop.CancelAfter(TimeSpan.FromSeconds(options.Seconds));
            var clients = Enumerable.Range(1, options.Clients).Select(c => ClientAsync(c, addresses, key, recorder, stop.Token)).ToList();
            await NemesisAsync(nodes, proxies, stop.Token);
            throughput = (await Task.WhenAll(clients)).Sum();

            Say("healing: every link restored, every paused node resumed, every killed node restarted");
            proxies.ForEach(p => p.Heal());
            foreach (var n in nodes)
            {
                if (n.Paused)
                {
                    n.Resume();
                }
                if (!n.Running)
                {
                    n.Start();
                }
            }
            var final = await FinalReadsAsync(addresses, key, recorder, cancellationToken);
            return Report(recorder.History(), final, throughput, nodes, data);
        }
        finally
        {
            nodes.ForEach(n => n.Dispose());
            foreach (var p in proxies)
            {
                await p.DisposeAsync();
            }
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static async Task UntilAsync(Func<bool> condition, string what, TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > limit)
            {
                throw new TimeoutException($"Not within {limit.TotalSeconds:0} s: {what}.");
            }
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>One client: random operations, one at a time, each recorded; returns how many were answered.</summary>
    private async Task<int> ClientAsync(int id, IReadOnlyList<NodeAddress> addresses, string key, HistoryRecorder recorder, CancellationToken stop)
    {
        var random = new Random(options.Seed * 1000 + id);
        // Each client tries the nodes from a different one, so the load does not all start on node 1.
        var order = addresses.Skip(id % addresses.Count).Concat(addresses.Take(id % addresses.Count)).ToList();
        var client = new KeyValueClient(new RaftClient(order) { Key = ClusterKey.From(key), AttemptTimeout = TimeSpan.FromMilliseconds(500) });
        var answered = 0;
        var n = 0;
        while (!stop.IsCancellationRequested)
        {
            var roll = random.Next(10);
            var (kind, k, value) = roll switch
            {
                < 4 => (OperationKind.Append, AppendKeys[random.Next(AppendKeys.Length)], $"c{id}.{++n};"),
                < 6 => (OperationKind.Put, PutKeys[random.Next(PutKeys.Length)], $"c{id}.{++n}"),
                < 8 => (OperationKind.Get, PutKeys[random.Next(PutKeys.Length)], (string?)null),
                _ => (OperationKind.Get, AppendKeys[random.Next(AppendKeys.Length)], (string?)null),
            };
            var op = recorder.Invoke(id, kind, k, value);
            // An operation gets a few seconds, as a user would wait; past that its outcome is unknown (it may still apply).
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(stop);
            patience.CancelAfter(TimeSpan.FromSeconds(3));
            try
            {
                var result = kind switch
                {
                    OperationKind.Append => await client.AppendAsync(k, value!, patience.Token),
                    OperationKind.Put => await client.PutAsync(k, value!, patience.Token),
                    _ => await client.GetAsync(k, patience.Token),
                };
                // The store answers "" for a key never written: the checker's model calls that missing.
                recorder.Ok(op, kind == OperationKind.Get && result.Length == 0 ? null : result);
                answered++;
            }
            catch (OperationCanceledException)
            {
                recorder.Unknown(op);
                if (stop.IsCancellationRequested)
                {
                    break;
                }
                // RaftClient's one request at a time was abandoned mid-way: start afresh, in a new session.
                await client.DisposeAsync();
                client = new KeyValueClient(new RaftClient(order) { Key = ClusterKey.From(key), AttemptTimeout = TimeSpan.FromMilliseconds(500) });
            }
            catch (SessionExpiredException)
            {
                recorder.Unknown(op);
            }
            catch (SubmitFailedException e) when (e.Reason == SubmitFailure.Invalid)
            {
                recorder.Fail(op); // refused before the log: certainly not applied
            }
        }
        await client.DisposeAsync();
        return answered;
    }

    /// <summary>Faults one after another until the round ends: each lasts a while, then is undone.</summary>
    private async Task NemesisAsync(IReadOnlyList<NodeProcess> nodes, IReadOnlyList<LinkProxy> proxies, CancellationToken stop)
    {
        var random = new Random(options.Seed);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), stop);
            var kind = random.Next(3);
            while (!stop.IsCancellationRequested)
            {
                switch (kind++ % 3)
                {
                    case 0:
                    {
                        var victim = nodes[random.Next(nodes.Count)];
                        Fault($"kill -9 node {victim.Id}");
                        victim.Kill();
                        await Task.Delay(TimeSpan.FromMilliseconds(800 + random.Next(800)), stop);
                        Fault($"restart node {victim.Id} from its files");
                        victim.Start();
                        break;
                    }
                    case 1:
                    {
                        // The leader, if one is known: a paused leader that wakes up still believes it leads.
                        var leader = nodes.Where(n => n.Running).MaxBy(n => n.LeaderTerm) ?? nodes[0];
                        Fault($"SIGSTOP node {leader.Id} (it last led term {leader.LeaderTerm}) for 1.5 s, longer than an election timeout");
                        leader.Pause();
                        await Task.Delay(TimeSpan.FromMilliseconds(1500), stop);
                        Fault($"SIGCONT node {leader.Id}");
                        leader.Resume();
                        break;
                    }
                    default:
                    {
                        var cut = nodes[random.Next(nodes.Count)].Id;
                        Fault($"cut every link to and from node {cut}");
                        proxies.Where(p => p.From == cut || p.To == cut).ToList().ForEach(p => p.Cut());
                        await Task.Delay(TimeSpan.FromMilliseconds(1200 + random.Next(800)), stop);
                        Fault($"heal the links of node {cut}");
                        proxies.ToList().ForEach(p => p.Heal());
                        break;
                    }
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500 + random.Next(500)), stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private void Fault(string what)
    {
        _faults.Add(string.Create(CultureInfo.InvariantCulture, $"{_clock.Elapsed.TotalSeconds:0.00} s: {what}"));
        Say($"nemesis: {what}");
    }

    /// <summary>After the heal: every key read (by a fresh client, patiently), and recorded like any other read.</summary>
    private async Task<Dictionary<string, string>> FinalReadsAsync(IReadOnlyList<NodeAddress> addresses, string key, HistoryRecorder recorder, CancellationToken cancellationToken)
    {
        await using var reader = new KeyValueClient(new RaftClient(addresses) { Key = ClusterKey.From(key) });
        var final = new Dictionary<string, string>();
        foreach (var k in AppendKeys.Concat(PutKeys))
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromSeconds(60));
            var op = recorder.Invoke(0, OperationKind.Get, k, null);
            try
            {
                var value = await reader.GetAsync(k, limit.Token);
                recorder.Ok(op, value.Length == 0 ? null : value);
                final[k] = value;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                recorder.Unknown(op);
                throw new TimeoutException($"After the heal no node answered a read of {k} within 60 s: the cluster did not recover.");
            }
        }
        Say($"final reads: {string.Join(", ", final.Select(kv => $"{kv.Key} ({kv.Value.Length} chars)"))}");
        return final;
    }

    private int Report(IReadOnlyList<Operation> history, Dictionary<string, string> final, int answered, IReadOnlyList<NodeProcess> nodes, string data)
    {
        var result = LinearizabilityChecker.Check(history, TimeSpan.FromMinutes(2));
        // No acknowledged write lost: every acknowledged append's token is in the final value of its key, once.
        var lost = history.Where(o => o is { Kind: OperationKind.Append, Outcome: Outcome.Ok })
            .Where(o => final[o.Key].Split(';').Count(t => t + ";" == o.Value) != 1)
            .Select(o => $"{o} (its token is in the final {o.Key} {final[o.Key].Split(';').Count(t => t + ";" == o.Value)} times)").ToList();
        var counts = history.GroupBy(o => (o.Kind, o.Outcome)).OrderBy(g => g.Key.Kind).ThenBy(g => g.Key.Outcome)
            .Select(g => $"{g.Count()} {g.Key.Kind.ToString().ToLowerInvariant()} {g.Key.Outcome.ToString().ToLowerInvariant()}");
        var verdict = result.Linearizable && lost.Count == 0 ? "PASS" : result.Failures.Any() || lost.Count > 0 ? "FAIL" : "UNDECIDED";

        Directory.CreateDirectory(options.ReportDir);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var picture = Path.Combine(options.ReportDir, $"jepsen-{stamp}.html");
        HistoryPicture.WriteHtml(picture, result);
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"# Jepsen-style round, {stamp} UTC: {verdict}");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"- nodes: {options.Nodes} processes on 127.0.0.1 (this build's chapter 7 nodes, a cluster key, each link through a proxy); seed {options.Seed}; times in µs");
        report.AppendLine(CultureInfo.InvariantCulture, $"- load: {options.Clients} clients for {options.Seconds} s: {history.Count} operations ({string.Join(", ", counts)})");
        report.AppendLine(CultureInfo.InvariantCulture, $"- throughput: {answered / (double)options.Seconds:0} answered operations/s under faults");
        report.AppendLine(CultureInfo.InvariantCulture, $"- faults ({_faults.Count}):");
        _faults.ForEach(f => report.AppendLine(CultureInfo.InvariantCulture, $"  - {f}"));
        report.AppendLine(CultureInfo.InvariantCulture, $"- linearizability (Wing & Gong / Lowe, per key): {(result.Linearizable ? "every key linearizable" : result.Summary())}");
        report.AppendLine(CultureInfo.InvariantCulture, $"- acknowledged appends lost or doubled: {(lost.Count == 0 ? "none" : string.Join("; ", lost))}");
        report.AppendLine(CultureInfo.InvariantCulture, $"- picture of the history per key: {Path.GetFileName(picture)}");
        var reportPath = Path.Combine(options.ReportDir, $"jepsen-{stamp}.md");
        File.WriteAllText(reportPath, report.ToString());

        console.WriteLine();
        console.WriteLine(report.ToString());
        console.WriteLine($"report: {reportPath}");
        if (verdict != "PASS")
        {
            console.WriteLine(result.Summary());
            foreach (var n in nodes)
            {
                File.WriteAllText(Path.Combine(options.ReportDir, $"jepsen-{stamp}-node{n.Id}.log"), n.Log());
            }
            console.WriteLine($"the nodes' logs are beside the report (their files were in {data})");
        }
        return verdict == "PASS" ? 0 : 1;
    }
}

/// <summary>What a round runs: how many nodes and clients, how long, which seed (for the clients' and nemesis' choices).</summary>
internal sealed record RoundOptions(int Nodes, int Clients, int Seconds, int Seed, string ReportDir);
#endif
