using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Raft.Simulation;

namespace Raft.Gate.Ch06;

/// <summary>
/// Helpers for tests on real sockets and the real clock. They never sleep for a fixed time: they wait for a
/// condition, up to a deadline generous enough for a loaded 2-core machine, and fail with a sentence when it passes.
/// </summary>
internal static class Live
{
    /// <summary>How long any one condition may take. Elections take well under a second; this is for loaded machines.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>How long a node may take to act on input from a one-node cluster on loopback: milliseconds, normally.</summary>
    public static readonly TimeSpan Quick = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a call that must return at once (queue a frame, whatever the peer does) may take: microseconds, normally;
    /// three seconds is for a loaded machine, and a call that blocks fails in that time instead of holding the run.
    /// </summary>
    public static readonly TimeSpan AtOnce = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Raft's timing for these tests: twice as quick as the defaults, so a one-node cluster elects itself in 150 to
    /// 300 ms. A slow machine only makes elections repeat; every wait is for a condition, so the tests still pass.
    /// </summary>
    public static readonly RaftOptions Timing = new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(50),
        ElectionTimeoutMin = TimeSpan.FromMilliseconds(150),
        ElectionTimeoutMax = TimeSpan.FromMilliseconds(300),
    };

    /// <summary>Ports that are free now.</summary>
    public static int[] FreePorts(int count) => [.. NodeAddress.OnLoopback(count).Select(a => a.Port)];

    /// <summary>Waits until <paramref name="condition"/> holds; fails with <paramref name="sentence"/> at the deadline.</summary>
    public static async Task Until(Func<Task<bool>> condition, string sentence, TimeSpan? deadline = null)
    {
        using var timeout = new CancellationTokenSource(deadline ?? Deadline);
        while (true)
        {
            if (await condition())
            {
                return;
            }
            try
            {
                await Task.Delay(20, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{sentence} (waited {(deadline ?? Deadline).TotalSeconds:0} s)");
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> on another thread and fails with <paramref name="sentence"/> if it has not returned
    /// within <see cref="AtOnce"/>: a call that blocks becomes a failing test, not a test run that never ends.
    /// </summary>
    public static async Task Returns(Action action, string sentence)
    {
        var running = Task.Run(action);
        if (await Task.WhenAny(running, Task.Delay(AtOnce)) != running)
        {
            Assert.Fail($"{sentence} (still running after {AtOnce.TotalSeconds:0} s)");
        }
        await running;
    }

    public static Task Until(Func<bool> condition, string sentence, TimeSpan? deadline = null) =>
        Until(() => Task.FromResult(condition()), sentence, deadline);

    /// <summary>Reads from <paramref name="stream"/> until the other side closes it; fails if it stays open.</summary>
    public static async Task ClosedByServer(NetworkStream stream, string sentence)
    {
        using var timeout = new CancellationTokenSource(Quick);
        var buffer = new byte[1024];
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{sentence} (the connection was still open after {Quick.TotalSeconds:0} s)");
        }
        catch (IOException)
        {
            // Reset by the server: closed too.
        }
    }
}

/// <summary>
/// The real clock, but every timer asked of it is written down with how long it was asked to wait: a test can check the
/// pauses a link or a client chose (how fast it retries) without measuring time, so the check does not depend on load.
/// </summary>
internal sealed class RecordingTime : TimeProvider
{
    private readonly List<TimeSpan> _waits = [];

    /// <summary>Every wait asked for so far, in order.</summary>
    public IReadOnlyList<TimeSpan> Waits
    {
        get
        {
            lock (_waits)
            {
                return [.. _waits];
            }
        }
    }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow();

    public override long GetTimestamp() => System.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            lock (_waits)
            {
                _waits.Add(dueTime);
            }
        }
        return System.CreateTimer(callback, state, dueTime, period);
    }
}

/// <summary>
/// One side of a connection in memory: reads come from the bytes it was given (then the end of the stream, as when the
/// other side closes), writes are kept. For handing a node's connection handler input without a socket.
/// </summary>
internal sealed class Duplex(byte[] input) : Stream
{
    private readonly MemoryStream _input = new(input, writable: false);

    /// <summary>Everything written to this side.</summary>
    public MemoryStream Written { get; } = new();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _input.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _input.ReadAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count)
    {
        lock (Written)
        {
            Written.Write(buffer, offset, count);
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        lock (Written)
        {
            Written.Write(buffer.Span);
        }
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>A cluster of <see cref="NodeServer"/>s on 127.0.0.1, each with its own directory, for one test.</summary>
internal sealed class LiveCluster : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "raft-live-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<int, NodeServer> _servers = [];

    private readonly Func<NodeServerOptions, NodeServerOptions> _configure;

    private LiveCluster(IReadOnlyList<NodeAddress> addresses, int maxFrameLength, Func<NodeServerOptions, NodeServerOptions>? configure)
    {
        Addresses = addresses;
        MaxFrameLength = maxFrameLength;
        _configure = configure ?? (o => o);
    }

    public IReadOnlyList<NodeAddress> Addresses { get; }

    public int MaxFrameLength { get; }

    public LogCapture Logs { get; } = new();

    public NodeServer this[int id] => _servers[id];

    public IEnumerable<NodeServer> Running => _servers.Values;

    /// <param name="configure">Changes a node's options before it starts (later chapters' settings).</param>
    public static async Task<LiveCluster> StartAsync(int size, int maxFrameLength = Frames.DefaultMaxLength, Func<NodeServerOptions, NodeServerOptions>? configure = null)
    {
        var cluster = new LiveCluster(NodeAddress.OnLoopback(size), maxFrameLength, configure);
        foreach (var address in cluster.Addresses)
        {
            await cluster.StartNodeAsync(address.Id);
        }
        return cluster;
    }

    public string DataDirectory(int id) => Path.Combine(_root, $"node{id}");

    public async Task StartNodeAsync(int id) =>
        _servers[id] = await NodeServer.StartAsync(_configure(new NodeServerOptions
        {
            Id = id, Cluster = Addresses, DataDirectory = DataDirectory(id), Seed = id, Raft = Live.Timing, MaxFrameLength = MaxFrameLength,
        }), Logs.Factory());

    public async Task StopNodeAsync(int id)
    {
        await _servers[id].StopAsync();
        _servers.Remove(id);
    }

    /// <summary>The one node that leads the highest term any running node is in, once every running node agrees on it.</summary>
    public async Task<int> LeaderAsync(string why)
    {
        var leader = 0;
        await Until(async () =>
        {
            var statuses = await Task.WhenAll(Running.Select(s => s.StatusAsync()));
            var top = statuses.Max(s => s.CurrentTerm);
            var leaders = statuses.Where(s => s.Role == Role.Leader && s.CurrentTerm == top).ToList();
            // One leader in the newest term, and every other node follows it (not a deposed leader of an older term).
            if (leaders.Count == 1 && statuses.All(s => s.Id == leaders[0].Id || s.LeaderId == leaders[0].Id))
            {
                leader = leaders[0].Id;
                return true;
            }
            return false;
        }, why);
        return leader;
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds. Fails at once if a node logged an error (a loop that threw, such
    /// as a stub's NotImplementedException), and at the deadline otherwise; either way the failure shows every node's
    /// state and what the nodes warned about.
    /// </summary>
    public async Task Until(Func<Task<bool>> condition, string sentence)
    {
        string? broken = null;
        try
        {
            await Live.Until(async () =>
            {
                if (Logs.At(LogLevel.Error).FirstOrDefault() is { } error)
                {
                    broken = error;
                    return true;
                }
                return await condition();
            }, sentence);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Assert.Fail($"{e.Message}\n{await DescribeAsync()}");
        }
        if (broken is not null)
        {
            Assert.Fail($"{sentence}: a node logged an error first: {broken}\n{await DescribeAsync()}");
        }
    }

    /// <summary>Every running node's state, and the warnings and errors the nodes logged.</summary>
    public async Task<string> DescribeAsync()
    {
        var statuses = await Task.WhenAll(Running.Select(s => s.StatusAsync()));
        var links = Running.SelectMany(s => s.Transport.Links.Values.Select(l => $"{l.From}->{l.Peer.Id}: {l.Connections} connections, {l.Queued} queued"));
        var complaints = Logs.Lines.Where(l => l.Level >= LogLevel.Warning).Select(l => $"{l.Level}: {l.Text}").TakeLast(20);
        return $"nodes: {string.Join("; ", statuses.Select(s => s.ToString()))}\nlinks: {string.Join("; ", links)}\nlogged:\n{string.Join("\n", complaints)}";
    }

    public RaftClient Client() => new(Addresses);

    /// <summary>
    /// A client's command with a deadline: if no answer comes in time, the failure says what was asked and shows every
    /// node's state and what the nodes logged (a stub's NotImplementedException, thrown on a node's thread, among it).
    /// </summary>
    public async Task<string> AskAsync(Func<CancellationToken, Task<string>> ask, string what)
    {
        using var timeout = new CancellationTokenSource(Live.Deadline);
        try
        {
            return await ask(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Assert.Fail($"{what}: no answer within {Live.Deadline.TotalSeconds:0} s\n{await DescribeAsync()}");
            throw;
        }
    }

    /// <summary>A raw connection to node <paramref name="id"/>, to send it bytes no real node would.</summary>
    public async Task<TcpClient> ConnectAsync(int id)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, Addresses.Single(a => a.Id == id).Port);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers.Values)
        {
            await server.StopAsync();
        }
        _servers.Clear();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
