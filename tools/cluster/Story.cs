using Microsoft.Extensions.Logging;
using Raft;

/// <summary>
/// The live cluster's story, in the walkthrough's order: every node starts and runs its loops; a leader is elected;
/// a client puts keys; the leader is killed; a new leader is elected and takes more keys; the old leader restarts from
/// its files and catches up; every acknowledged key is read back; a summary.
/// </summary>
internal sealed class Story(IReadOnlyList<NodeAddress> cluster, string root, int seed, ILoggerFactory loggers, ILogger log) : IAsyncDisposable
{
    private static readonly TimeSpan StepLimit = TimeSpan.FromSeconds(20);
    private readonly Dictionary<int, NodeServer> _servers = [];
    private readonly List<(long Term, int Leader, TimeSpan At)> _leaders = [];
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

#if CH07
    // The story's nodes and client hold a key made for this run: no other process on the machine can speak to them.
    private readonly ClusterKey? _key = ClusterKey.From(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
#else
    private readonly object? _key = null;
#endif

    private async Task StartAsync(int id) =>
        _servers[id] = await NodeServer.StartAsync(new NodeServerOptions
        {
            Id = id, Cluster = cluster, DataDirectory = Path.Combine(root, $"node{id}"), Seed = seed,
#if CH07
            ClusterKey = _key,
#endif
        }, loggers);

    private async Task<NodeStatus[]> StatusesAsync() => await Task.WhenAll(_servers.Values.Select(s => s.StatusAsync()));

    /// <summary>Waits until the running nodes agree on one leader other than <paramref name="not"/>; records it.</summary>
    private async Task<int> LeaderAsync(int not, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(StepLimit);
        while (true)
        {
            var statuses = await StatusesAsync();
            var top = statuses.Max(s => s.CurrentTerm);
            var leaders = statuses.Where(s => s.Role == Role.Leader && s.CurrentTerm == top && s.Id != not).ToList();
            if (leaders.Count == 1 && statuses.All(s => s.Id == leaders[0].Id || s.LeaderId == leaders[0].Id))
            {
                if (_leaders.Count == 0 || _leaders[^1].Term != top)
                {
                    _leaders.Add((top, leaders[0].Id, _clock.Elapsed));
                }
                return leaders[0].Id;
            }
            try
            {
                await Task.Delay(25, limit.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No leader within {StepLimit.TotalSeconds:0} s. If a node logged an error above (a TODO(ch06) still open, say), that is why. The nodes: {string.Join("; ", statuses.Select(s => s.ToString()))}");
            }
        }
    }

    public async Task<int> TellAsync(int keys, CancellationToken cancellationToken)
    {
        foreach (var node in cluster)
        {
            await StartAsync(node.Id);
        }
        var first = await LeaderAsync(0, cancellationToken);
        log.LogInformation("==> Node {Leader} is the leader (term {Term}) after {Ms} ms", first, _leaders[^1].Term, (int)_leaders[^1].At.TotalMilliseconds);

#if CH07
        log.LogInformation("==> The nodes and the client hold a cluster key made for this run: every connection proves it");
        await using var client = new KeyValueClient(new RaftClient(cluster) { Key = _key });
#else
        await using var client = new RaftClient(cluster);
#endif
        var acknowledged = new Dictionary<string, string>();
        async Task PutAsync(int from, int to)
        {
            for (var i = from; i <= to; i++)
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                limit.CancelAfter(StepLimit);
                var result = await client.PutAsync($"k{i}", $"value-{i}", limit.Token);
                acknowledged[$"k{i}"] = $"value-{i}";
#if CH07
                log.LogInformation("client: put k{I} = value-{I} -> {Result} (committed and applied by leader {Leader})", i, i, result, client.Raft.Leader);
#else
                log.LogInformation("client: put k{I} = value-{I} -> {Result} (committed and applied by leader {Leader})", i, i, result, client.Leader);
#endif
            }
        }
        await PutAsync(1, keys);
#if CH07
        var retried = await RetriedAppendAsync(client, cancellationToken);
#endif

        log.LogInformation("==> Killing node {Leader}, the leader", first);
        await _servers[first].StopAsync();
        _servers.Remove(first);
        var second = await LeaderAsync(first, cancellationToken);
        log.LogInformation("==> Node {Leader} is the new leader (term {Term})", second, _leaders[^1].Term);
        await PutAsync(keys + 1, 2 * keys);

        log.LogInformation("==> Restarting node {Old} from its files", first);
        await StartAsync(first);
        await LeaderAsync(0, cancellationToken);
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            limit.CancelAfter(StepLimit);
            // Everyone applies everything the client was told about; the restarted node learns it from the leader.
            while ((await StatusesAsync()).Any(s => s.LastApplied < 2 * keys))
            {
                await Task.Delay(25, limit.Token);
            }
        }
        var back = await _servers[first].StatusAsync();
        log.LogInformation("==> Node {Old} caught up: term {Term}, {Entries} entries, applied up to {Applied}", first, back.CurrentTerm, back.LogLength, back.LastApplied);

#if CH07
        // Reads by ReadIndex (thesis §6.4): the leader confirms it still leads with one round of heartbeats, then answers
        // from its state machine. No entry is written for them: the log is as long after the reads as before.
        var logBefore = (await StatusesAsync()).Max(s => s.LogLength);
#endif
        var wrong = new List<string>();
        foreach (var (k, v) in acknowledged)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(StepLimit);
            var read = await client.GetAsync(k, limit.Token);
            if (read != v)
            {
                wrong.Add($"{k}: put {v}, read {read}");
            }
        }

        var statuses = await StatusesAsync();
#if CH07
        var logAfter = statuses.Max(s => s.LogLength);
        log.LogInformation("==> {Count} gets answered by ReadIndex: the longest log had {Before} entries before them and {After} after", acknowledged.Count, logBefore, logAfter);
#endif
        var summary = new System.Text.StringBuilder();
        summary.AppendLine();
        summary.AppendLine("Summary");
        summary.AppendLine($"  leaders:   {string.Join(", then ", _leaders.Select(l => $"node {l.Leader} in term {l.Term} (at {l.At.TotalSeconds:0.0} s)"))}");
        summary.AppendLine($"  commits:   {statuses.Max(s => s.CommitIndex)} entries committed; {acknowledged.Count} puts acknowledged, then {acknowledged.Count} gets");
        foreach (var s in statuses.OrderBy(s => s.Id))
        {
            summary.AppendLine($"  node {s.Id}:    {s.Role,-9} term {s.CurrentTerm}, log {s.LogLength}, commitIndex {s.CommitIndex}, lastApplied {s.LastApplied}{(s.Id == first ? "   (killed, restarted from its files)" : "")}");
        }
#if CH07
        summary.AppendLine($"  sessions:  {retried}");
        summary.AppendLine($"  reads:     {acknowledged.Count} gets by ReadIndex, {(logAfter == logBefore ? "no log entry written for them" : $"{logAfter - logBefore} log entries written meanwhile (a new leader's no-op)")}");
#endif
        summary.AppendLine(wrong.Count == 0
            ? $"  read back: all {acknowledged.Count} acknowledged keys, each with the value put"
            : $"  read back: {wrong.Count} of {acknowledged.Count} WRONG: {string.Join("; ", wrong)}");
        System.Console.WriteLine(summary.ToString());
#if CH07
        if (retried.StartsWith("WRONG", StringComparison.Ordinal))
        {
            wrong.Add(retried);
        }
#endif
        return wrong.Count == 0 ? 0 : 1;
    }

#if CH07
    /// <summary>
    /// Thesis §6.3: an append whose answer is lost is resent with the same session and number, as RaftClient resends it;
    /// the state machine applies it once and answers the resend with the first result.
    /// </summary>
    private async Task<string> RetriedAppendAsync(KeyValueClient client, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(StepLimit);
        var first = await client.AppendAsync("story", "a", limit.Token);
        var session = client.Session!.Value;
        var command = KeyValueStore.InSession(session, client.Sequence, KeyValueStore.Append("story", "a"));
        log.LogInformation("client: append story a in session {Session}, command {Sequence} -> {Result}", session, client.Sequence, first);
        var resent = await client.Raft.SubmitAsync(command, limit.Token);
        var value = await client.GetAsync("story", limit.Token);
        log.LogInformation("client: the same append resent, as after a lost answer -> {Result}; story = {Value}: {Verdict}", resent, value,
            value == "a" ? "applied once" : "APPLIED TWICE");
        return value == "a" && resent == first
            ? $"an append resent in its session (as after a lost answer) was applied once: story = {value}"
            : $"WRONG: an append resent in its session made story = {value} (answered {resent})";
    }

#endif
    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers.Values)
        {
            await server.StopAsync();
        }
        _servers.Clear();
    }
}
