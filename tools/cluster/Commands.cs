using Course;
using Microsoft.Extensions.Logging;
using Raft;

/// <summary>What the three commands do.</summary>
internal static class Commands
{
    private static ILoggerFactory ConsoleLoggers(LogLevel raft = LogLevel.Information) => LoggerFactory.Create(b => b
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.IncludeScopes = false;
        })
        .AddFilter("Raft", raft)
        .AddFilter("Microsoft", LogLevel.Warning));

    /// <summary>The node's timing from --heartbeat and --election-timeout; a sentence for values Raft cannot work with.</summary>
    public static RaftOptions ParseTiming(int heartbeatMs, string electionText)
    {
        var parts = electionText.Split('-');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var min) || !int.TryParse(parts[1], out var max) || min < 1 || max < min)
        {
            throw new Cli.UsageException($"--election-timeout {electionText}: give MIN-MAX in milliseconds, MIN at least 1 and MAX not below it (for example 300-600).");
        }
        if (heartbeatMs < 1)
        {
            throw new Cli.UsageException($"--heartbeat {heartbeatMs}: give a number of milliseconds of 1 or more.");
        }
        var options = new RaftOptions
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(heartbeatMs),
            ElectionTimeoutMin = TimeSpan.FromMilliseconds(min),
            ElectionTimeoutMax = TimeSpan.FromMilliseconds(max),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new Cli.UsageException(e.Message);
        }
        return options;
    }

    /// <summary>Where --cluster-key is read from when it is not given: a key on a command line shows in `ps`.</summary>
    public const string KeyVariable = "RAFT_CLUSTER_KEY";

    /// <summary>The cluster key text from --cluster-key or the environment; a sentence for one the node cannot use.</summary>
    private static string? KeyText(string? option)
    {
        var text = string.IsNullOrEmpty(option) ? Environment.GetEnvironmentVariable(KeyVariable) : option;
#if CH07
        try
        {
            ClusterKey.From(text);
        }
        catch (ArgumentException e)
        {
            throw new Cli.UsageException($"--cluster-key: {e.Message}");
        }
#else
        if (!string.IsNullOrEmpty(text))
        {
            throw new Cli.UsageException("--cluster-key: chapter 6's nodes have no cluster key; chapter 7 adds it.");
        }
#endif
        return string.IsNullOrEmpty(text) ? null : text;
    }

    public static async Task<int> RunNodeAsync(int id, string clusterText, string dataDir, int seed, RaftOptions timing, bool verbose, string? keyOption)
    {
        var keyText = KeyText(keyOption);
        var cluster = ParseCluster(clusterText);
        if (cluster.All(n => n.Id != id))
        {
            throw new Cli.UsageException($"--id {id} is not one of the nodes in --cluster ({string.Join(", ", cluster.Select(n => n.Id))}).");
        }
        using var loggers = ConsoleLoggers(verbose ? LogLevel.Debug : LogLevel.Information);
        var log = loggers.CreateLogger("Raft.Cluster");
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true; // shut down cleanly instead of being killed
            stop.Cancel();
        };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        var options = new NodeServerOptions { Id = id, Cluster = cluster, DataDirectory = dataDir, Seed = seed, Raft = timing };
#if CH07
        options = options with { ClusterKey = ClusterKey.From(keyText) };
#endif
        var server = await NodeServer.StartAsync(options, loggers);
        log.LogInformation("Node {Id} is running{Key}; Ctrl+C stops it", id, keyText is null ? " (no cluster key: any process that reaches its port can speak to it)" : " with the cluster key");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        var status = await server.StatusAsync();
        await server.StopAsync();
        log.LogInformation("Node {Id} shut down: term {Term}, {Entries} entries saved, applied up to {Applied}", id, status.CurrentTerm, status.LogLength, status.LastApplied);
        return 0;
    }

    public static async Task<int> RunClientAsync(string clusterText, string verb, string key, string? value, int timeoutSeconds, string? keyOption)
    {
        var cluster = ParseCluster(clusterText);
        var keyText = KeyText(keyOption);
        var command = verb switch
        {
            "put" when value is not null => KeyValueStore.Put(CheckKey(key), value),
            "put" => throw new Cli.UsageException("put needs a KEY and a VALUE: client --cluster ... put KEY VALUE"),
#if CH07
            "append" when value is not null => KeyValueStore.Append(CheckKey(key), value),
            "append" => throw new Cli.UsageException("append needs a KEY and a VALUE: client --cluster ... append KEY VALUE"),
#endif
            "get" when value is null => KeyValueStore.Get(CheckKey(key)),
            "get" => throw new Cli.UsageException("get takes only a KEY: client --cluster ... get KEY"),
            _ => throw new Cli.UsageException($"\"{verb}\" is not a command: use put KEY VALUE, append KEY VALUE or get KEY."),
        };
        if (timeoutSeconds is < 1 or > 3600)
        {
            throw new Cli.UsageException($"--timeout {timeoutSeconds}: give a number of seconds from 1 to 3600.");
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
#if CH07
            // A write goes in a session, so a retry after a lost answer is applied once (thesis §6.3); a get is read by ReadIndex.
            await using var client = new KeyValueClient(new RaftClient(cluster) { Key = ClusterKey.From(keyText) });
            Console.WriteLine(verb == "get" ? await client.GetAsync(key, timeout.Token) : await client.WriteAsync(command, timeout.Token));
#else
            await using var client = new RaftClient(cluster);
            Console.WriteLine(await client.SubmitAsync(command, timeout.Token));
#endif
            return 0;
        }
#if CH07
        catch (SubmitFailedException e) when (e.Reason == SubmitFailure.Invalid)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
#endif
        catch (Exception e) when (e is OperationCanceledException || (timeout.IsCancellationRequested && e is IOException or System.Net.Sockets.SocketException or BadFrameException))
        {
            // At the deadline the attempt in flight may end as a closed connection rather than a cancellation: the same.
            throw new TimeoutException($"No node of {clusterText} answered within {timeoutSeconds} s: is the cluster running, does a majority of it run, and does this client hold the cluster's key (--cluster-key) if it has one?");
        }
    }

    private static string CheckKey(string key) =>
        key.Length > 0 && !key.Any(char.IsWhiteSpace) ? key : throw new Cli.UsageException($"\"{key}\" is not a key: a key is one word without spaces.");

    private static IReadOnlyList<NodeAddress> ParseCluster(string text)
    {
        try
        {
            return NodeAddress.ParseList(text);
        }
        catch (FormatException e)
        {
            throw new Cli.UsageException($"--cluster: {e.Message}");
        }
    }

    public static async Task<int> RunStoryAsync(int nodes, int seed, string? dataDir, bool keepRunning, int keys)
    {
        if (nodes is < 3 or > 9)
        {
            throw new Cli.UsageException($"--nodes {nodes}: a cluster here has 3 to 9 nodes (a leader must be killable and leave a majority).");
        }
        if (keys is < 1 or > 1000)
        {
            throw new Cli.UsageException($"--keys {keys}: give 1 to 1000 keys.");
        }
        var temporary = dataDir is null;
        var root = Path.GetFullPath(dataDir ?? Path.Combine(Path.GetTempPath(), $"raft-cluster-{Environment.ProcessId}"));
        using var loggers = ConsoleLoggers();
        var log = loggers.CreateLogger("Raft.Cluster");
        var cluster = NodeAddress.OnLoopback(nodes);
        var story = new Story(cluster, root, seed, loggers, log);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        log.LogInformation("Starting {Count} nodes on 127.0.0.1 ({Addresses}), files in {Root}", nodes, string.Join(", ", cluster), root);
        int result;
        try
        {
            result = await story.TellAsync(keys, stop.Token);
            if (keepRunning && result == 0)
            {
                log.LogInformation("The cluster keeps running; try: dotnet run --project tools/cluster -- client --cluster {Cluster} get k1   (Ctrl+C stops it)",
                    string.Join(",", cluster.Select(n => $"{n.Id}={n}")));
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            log.LogInformation("Stopped by Ctrl+C");
            result = 1;
        }
        finally
        {
            await story.DisposeAsync();
            if (temporary)
            {
                try
                {
                    Directory.Delete(root, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
        return result;
    }

    public static async Task<int> RunJepsenAsync(int nodes, int clients, int seconds, int seed, string reportDir)
    {
        if (nodes is not (3 or 5))
        {
            throw new Cli.UsageException($"--nodes {nodes}: a round runs 3 or 5 node processes.");
        }
        if (clients is < 1 or > 32)
        {
            throw new Cli.UsageException($"--clients {clients}: give 1 to 32 clients.");
        }
        if (seconds is < 5 or > 3600)
        {
            throw new Cli.UsageException($"--seconds {seconds}: give 5 to 3600 seconds.");
        }
#if CH07
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        return await new Cluster.Jepsen.Round(new Cluster.Jepsen.RoundOptions(nodes, clients, seconds, seed, Path.GetFullPath(reportDir)), Console.Out).RunAsync(stop.Token);
#else
        await Task.CompletedTask;
        throw new Cli.UsageException($"jepsen needs chapter 7's key-value service (sessions, ReadIndex, a cluster key); this build runs chapter 6 ({reportDir}).");
#endif
    }
}
