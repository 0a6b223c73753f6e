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

    private async Task StartAsync(int id) =>
        _servers[id] = await NodeServer.StartAsync(new NodeServerOptions
        {
            Id = id, Cluster = cluster, DataDirectory = Path.Combine(root, $"node{id}"), Seed = seed,
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

        await using var client = new RaftClient(cluster);
        var acknowledged = new Dictionary<string, string>();
        async Task PutAsync(int from, int to)
        {
            for (var i = from; i <= to; i++)
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                limit.CancelAfter(StepLimit);
                var result = await client.PutAsync($"k{i}", $"value-{i}", limit.Token);
                acknowledged[$"k{i}"] = $"value-{i}";
                log.LogInformation("client: put k{I} = value-{I} -> {Result} (committed and applied by leader {Leader})", i, i, result, client.Leader);
            }
        }
        await PutAsync(1, keys);

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
        var summary = new System.Text.StringBuilder();
        summary.AppendLine();
        summary.AppendLine("Summary");
        summary.AppendLine($"  leaders:   {string.Join(", then ", _leaders.Select(l => $"node {l.Leader} in term {l.Term} (at {l.At.TotalSeconds:0.0} s)"))}");
        summary.AppendLine($"  commits:   {statuses.Max(s => s.CommitIndex)} entries committed; {acknowledged.Count} puts acknowledged, then {acknowledged.Count} gets");
        foreach (var s in statuses.OrderBy(s => s.Id))
        {
            summary.AppendLine($"  node {s.Id}:    {s.Role,-9} term {s.CurrentTerm}, log {s.LogLength}, commitIndex {s.CommitIndex}, lastApplied {s.LastApplied}{(s.Id == first ? "   (killed, restarted from its files)" : "")}");
        }
        summary.AppendLine(wrong.Count == 0
            ? $"  read back: all {acknowledged.Count} acknowledged keys, each with the value put"
            : $"  read back: {wrong.Count} of {acknowledged.Count} WRONG: {string.Join("; ", wrong)}");
        System.Console.WriteLine(summary.ToString());
        return wrong.Count == 0 ? 0 : 1;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers.Values)
        {
            await server.StopAsync();
        }
        _servers.Clear();
    }
}
