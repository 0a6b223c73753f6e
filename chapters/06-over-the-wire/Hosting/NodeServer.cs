using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Raft;

/// <summary>
/// One Raft node on the network: the walkthrough's node with its loops on an <see cref="EventLoop"/>, its state in a
/// <see cref="FileStorage"/>, its messages on a <see cref="TcpTransport"/>, and a listener that takes frames from
/// peers (into the node's inbox) and commands from clients (answered once applied). Time is the real clock,
/// <see cref="TimeProvider.System"/>: the node's code is the same that ran in the simulator.
/// </summary>
public sealed class NodeServer : IAsyncDisposable
{
    private readonly NodeServerOptions _options;
    private readonly ILogger _logger;
    private readonly TcpListener _listener;
    private readonly EventLoop _loop;
    private readonly FileStorage _storage;
    private readonly TcpTransport _transport;
    private readonly RaftNode _node;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<TcpClient, Task> _connections = new();
    private readonly HashSet<int> _peers;
    private Task _run = Task.CompletedTask;
    private Task _accept = Task.CompletedTask;
    private int _stopped;

    private NodeServer(NodeServerOptions options, ILogger logger, TcpListener listener, EventLoop loop, FileStorage storage,
        TcpTransport transport, RaftNode node)
    {
        _options = options;
        _logger = logger;
        _listener = listener;
        _loop = loop;
        _storage = storage;
        _transport = transport;
        _node = node;
        _peers = [.. options.Cluster.Select(n => n.Id).Where(id => id != options.Id)];
    }

    public int Id => _options.Id;

    public NodeAddress Address => _options.Self;

    /// <summary>Frames this node read that it could not use, each of which closed its connection.</summary>
    public int BadFrames => _badFrames;
    private int _badFrames;

    /// <summary>The transport, to see the outgoing connections (tests, the live cluster's summary).</summary>
    public TcpTransport Transport => _transport;

    /// <summary>
    /// Starts a node: listens on its address, reads its state back from its directory, and runs its loops.
    /// </summary>
    /// <exception cref="PortInUseException">Something already listens on the node's port.</exception>
    /// <exception cref="StorageCorruptException">The node's files are damaged (the file and the byte offset are named).</exception>
    public static async Task<NodeServer> StartAsync(NodeServerOptions options, ILoggerFactory? loggers = null)
    {
        loggers ??= NullLoggerFactory.Instance;
        var self = options.Self;
        var logger = loggers.CreateLogger($"Raft.Node{options.Id}");
        var listener = new TcpListener(ListenAddress(self.Host), self.Port);
        try
        {
            listener.Start();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            listener.Dispose();
            throw new PortInUseException(self, e);
        }
        var loop = new EventLoop($"raft-node-{options.Id}");
        loop.Faulted += e => logger.LogError(e, "Node {Id}'s event loop ran a callback that threw", options.Id);
        var storage = new FileStorage(options.DataDirectory, logger);
        // A third of the shortest election timeout: a peer that comes back is reached, and hears a heartbeat, before
        // its own election timer can run out (§5.2), however long it was gone.
        var transport = new TcpTransport(options.Id, options.Cluster, logger, TimeProvider.System, options.Raft.ElectionTimeoutMin / 3);
        RaftNode node;
        try
        {
            // Built on its loop, like everything else the node does.
            node = await loop.InvokeAsync(() => new RaftNode(
                new NodeContext(options.Id, [.. options.Cluster.Select(n => n.Id).Where(id => id != options.Id)], transport,
                    TimeProvider.System, new Random(options.Seed * 7919 + options.Id), logger, storage),
                options.Raft));
        }
        catch
        {
            listener.Dispose();
            await transport.DisposeAsync();
            storage.Dispose();
            loop.Dispose();
            throw;
        }
        var server = new NodeServer(options, logger, listener, loop, storage, transport, node);
        server._run = loop.InvokeAsync(() => node.RunAsync(server._stop.Token));
        // A loop that throws stops the node; say so now, not at shutdown.
        _ = server._run.ContinueWith(t => logger.LogError(t.Exception!.InnerException, "Node {Id}'s loops stopped: {Reason}",
            options.Id, t.Exception!.InnerException!.Message), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        server._accept = server.AcceptAsync(server._stop.Token);
        logger.LogInformation("Node {Id} listens on {Address} with its files in {Directory} (term {Term}, {Entries} entries on disk)",
            options.Id, self, storage.DirectoryPath, node.CurrentTerm, node.Log.Count);
        return server;
    }

    private static IPAddress ListenAddress(string host) =>
        IPAddress.TryParse(host, out var ip) ? ip
        : host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
        : IPAddress.Any;

    /// <summary>The node's role, term, log and commit point, read on its loop.</summary>
    public Task<NodeStatus> StatusAsync() =>
        _loop.InvokeAsync(() => new NodeStatus(_node.Id, _node.Role, _node.CurrentTerm, _node.LeaderId, _node.Log.Count,
            _node.CommitIndex, _node.LastApplied));

    /// <summary>Runs <paramref name="read"/> on the node's loop, for a look at its state.</summary>
    public Task<T> ReadAsync<T>(Func<RaftNode, T> read) => _loop.InvokeAsync(() => read(_node));

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException)
            {
                return;
            }
            client.NoDelay = true;
            _connections[client] = ServeAsync(client, cancellationToken);
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancellationToken)
    {
        await Task.Yield(); // the accept loop goes back to accepting at once
        // A node that stops disposes its connections, possibly before this runs: a disposed TcpClient has no socket.
        var remote = client.Client?.RemoteEndPoint?.ToString() ?? "?";
        try
        {
            await ServeConnectionAsync(client.GetStream(), remote, cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            _logger.LogDebug("Node {Id}: the connection from {Remote} ended ({Reason})", Id, remote, e.Message);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Node {Id} stopped serving {Remote}: {Reason}", Id, remote, e.Message);
        }
        finally
        {
            client.Dispose();
            _connections.TryRemove(client, out _);
        }
    }

    /// <summary>
    /// Serves one incoming connection until it closes: a peer's Raft messages go to the node's inbox, a client's
    /// commands are answered on the same connection.
    /// </summary>
    public async Task ServeConnectionAsync(Stream stream, string remote, CancellationToken cancellationToken)
    {
        // TODO(ch06): ServeConnection: Read frames until the other side closes. A peer's Raft message goes into the node's inbox (Deliver: it never blocks, and the inbox loop handles it on the node's thread); a client's request is answered on this connection once AnswerClientAsync has its reply. Input from the network is untrusted: a bad frame (garbage, too long, cut off, an unknown type, a Raft message from a node that is not a peer) closes this connection only, with a logged warning that says why, and counts in BadFrames. Nothing a stranger sends may stop the node or its other connections.
        throw new NotImplementedException("TODO(ch06) ServeConnection: Read frames until the other side closes. A peer's Raft message goes into the node's inbox (Deliver: it never blocks, and the inbox loop handles it on the node's thread); a client's request is answered on this connection once AnswerClientAsync has its reply. Input from the network is untrusted: a bad frame (garbage, too long, cut off, an unknown type, a Raft message from a node that is not a peer) closes this connection only, with a logged warning that says why, and counts in BadFrames. Nothing a stranger sends may stop the node or its other connections.");
    }

    /// <summary>
    /// The reply to a client's command: its result once the command is committed and applied, or why it was not, with
    /// the leader this node knows (§8).
    /// </summary>
    public async Task<ClientReply> AnswerClientAsync(ClientRequest request)
    {
        // A command for the state machine: answered once the log has it committed and applied.
        // TODO(ch06): AnswerClient: A client may hear that its command succeeded only once it is committed and applied: SubmitAsync gives exactly that, and it must run on the node's loop (the node's state belongs to one thread). If the node cannot promise it (it does not lead, it lost leadership, it stopped), the answer is not ok, with the reason and the leader it knows, so the client tries there; never let the exception escape, or the client waits on a connection that just closes.
        throw new NotImplementedException("TODO(ch06) AnswerClient: A client may hear that its command succeeded only once it is committed and applied: SubmitAsync gives exactly that, and it must run on the node's loop (the node's state belongs to one thread). If the node cannot promise it (it does not lead, it lost leadership, it stopped), the answer is not ok, with the reason and the leader it knows, so the client tries there; never let the exception escape, or the client waits on a connection that just closes.");
    }

    /// <summary>Stops the node: no more connections or messages, its loops end, its files are closed.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        await _stop.CancelAsync();
        _listener.Stop();
        await _accept;
        foreach (var client in _connections.Keys)
        {
            client.Dispose();
        }
        await Task.WhenAll(_connections.Values);
        try
        {
            await _run;
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Node {Id}'s loops ended with an error", Id);
        }
        await _transport.DisposeAsync();
        await _loop.InvokeAsync(() => { _storage.Dispose(); return 0; });
        _loop.Dispose();
        _listener.Dispose();
        _stop.Dispose();
        _logger.LogInformation("Node {Id} stopped", Id);
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
