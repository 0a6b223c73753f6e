// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Raft;

/// <summary>
/// A client of a running cluster: it sends each command to the leader it knows (any node at first), follows a
/// "not the leader, try node N" answer, and on silence or a closed connection tries the next node, until the command
/// is applied or the caller gives up. An answer means applied; a put or a get may run twice if an answer is lost and the
/// client retries (a put of the same value twice is harmless; the key-value chapter adds client sessions, §8).
/// </summary>
public sealed class RaftClient : IAsyncDisposable
{
    private readonly IReadOnlyList<NodeAddress> _cluster;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<int, Connection> _connections = [];
    private readonly SemaphoreSlim _one = new(1, 1);
    private long _nextRequest;
    private int _target;

    public RaftClient(IReadOnlyList<NodeAddress> cluster, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(cluster.Count);
        _cluster = cluster;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _target = cluster[0].Id;
    }

    /// <summary>How long one node may take to answer before the client tries another.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The cluster's key, if its nodes were started with one: each connection proves the client holds it.</summary>
    public ClusterKey? Key { get; init; }

    /// <summary>
    /// The longest pause between two tries while no node can answer (an election is on). An election takes about one
    /// election timeout (300 to 600 ms by default), so a client that waits longer only adds to the failover it sees.
    /// </summary>
    public static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(100);

    /// <summary>The node that answered the last command: the leader, as far as this client knows.</summary>
    public int? Leader { get; private set; }

    public Task<string> PutAsync(string key, string value, CancellationToken cancellationToken = default) =>
        SubmitAsync(KeyValueStore.Put(key, value), cancellationToken);

    public Task<string> GetAsync(string key, CancellationToken cancellationToken = default) =>
        SubmitAsync(KeyValueStore.Get(key), cancellationToken);

    /// <summary>Sends <paramref name="command"/> until a node answers with its result (one command at a time).</summary>
    public async Task<string> SubmitAsync(string command, CancellationToken cancellationToken = default)
    {
        await _one.WaitAsync(cancellationToken);
        try
        {
            var pause = TimeSpan.FromMilliseconds(20);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var target = _target;
                ClientReply? reply = null;
                try
                {
                    reply = await AskAsync(target, new ClientRequest(++_nextRequest, command), cancellationToken);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested &&
                                          e is IOException or SocketException or BadFrameException or OperationCanceledException)
                {
                    _logger.LogDebug("Node {Node} gave no answer ({Reason})", target, e.Message);
                    Drop(target);
                }
                if (reply is { Ok: true, Result: var result })
                {
                    Leader = target;
                    return result ?? "";
                }
                if (reply is { Ok: false, Error: { } error } && error.StartsWith($"{SubmitFailure.Invalid}:", StringComparison.Ordinal))
                {
                    // Refused before the log: no node takes it, however often it is sent.
                    throw new SubmitFailedException(SubmitFailure.Invalid, null, $"Node {target} refused the command: {error[(error.IndexOf(':') + 1)..].Trim()}");
                }
                if (reply is { LeaderHint: int hint } && hint != target && _cluster.Any(n => n.Id == hint))
                {
                    _target = hint; // straight to the leader it names
                    continue;
                }
                // No leader known yet (an election is on), or the node is gone: try the next one after a short pause.
                _target = _cluster[(IndexOf(target) + 1) % _cluster.Count].Id;
                await Task.Delay(pause, _time, cancellationToken);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxPause.Ticks));
            }
        }
        finally
        {
            _one.Release();
        }
    }

    private int IndexOf(int id)
    {
        for (var i = 0; i < _cluster.Count; i++)
        {
            if (_cluster[i].Id == id)
            {
                return i;
            }
        }
        return 0;
    }

    private async Task<ClientReply> AskAsync(int node, ClientRequest request, CancellationToken cancellationToken)
    {
        // Each attempt has its own time limit, on the client's clock: a node that took the request and went silent
        // costs one AttemptTimeout, not the whole command.
        using var timeout = new CancellationTokenSource(AttemptTimeout, _time);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        if (!_connections.TryGetValue(node, out var connection))
        {
            var address = _cluster[IndexOf(node)];
            var client = new TcpClient { NoDelay = true };
            try
            {
                await client.ConnectAsync(address.Host, address.Port, attempt.Token);
            }
            catch
            {
                client.Dispose();
                throw;
            }
            connection = new Connection(client, client.GetStream());
            if (Key is not null)
            {
                try
                {
                    await Key.DialAsync(connection.Stream, 0, node, attempt.Token);
                }
                catch
                {
                    client.Dispose();
                    throw;
                }
            }
            _connections[node] = connection;
        }
        await connection.Stream.WriteAsync(Frames.Frame(MessageCodec.Encode(0, request)), attempt.Token);
        var payload = await Frames.ReadAsync(connection.Stream, Frames.DefaultMaxLength, attempt.Token)
                      ?? throw new IOException($"node {node} closed the connection without answering");
        return MessageCodec.Decode(payload).Message is ClientReply reply && reply.RequestId == request.RequestId
            ? reply
            : throw new BadFrameException($"node {node} answered request {request.RequestId} with something else");
    }

    private void Drop(int node)
    {
        if (_connections.Remove(node, out var connection))
        {
            connection.Client.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var node in _connections.Keys.ToList())
        {
            Drop(node);
        }
        _one.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed record Connection(TcpClient Client, NetworkStream Stream);
}
