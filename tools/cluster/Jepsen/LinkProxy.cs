#if CH07
using System.Net;
using System.Net.Sockets;

using Raft;

namespace Cluster.Jepsen;

/// <summary>
/// One direction of one link between two nodes: node A reaches node B only through this proxy (A's --cluster names
/// the proxy's port as B's address), so the nemesis can cut exactly that link. Cut: every open connection is closed
/// and new ones are accepted and closed at once, as a network that drops everything would look to TCP.
/// </summary>
internal sealed class LinkProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly NodeAddress _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accept;
    private volatile bool _cut;

    public LinkProxy(int from, NodeAddress target)
    {
        From = from;
        _target = target;
        _listener.Start();
        _accept = AcceptAsync(_stop.Token);
    }

    public int From { get; }

    public int To => _target.Id;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public bool IsCut => _cut;

    public void Cut()
    {
        _cut = true;
        lock (_open)
        {
            _open.ForEach(c => c.Dispose());
            _open.Clear();
        }
    }

    public void Heal() => _cut = false;

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            if (_cut)
            {
                inbound.Dispose();
                continue;
            }
            _ = PipeAsync(inbound, cancellationToken);
        }
    }

    private async Task PipeAsync(TcpClient inbound, CancellationToken cancellationToken)
    {
        var outbound = new TcpClient { NoDelay = true };
        inbound.NoDelay = true;
        lock (_open)
        {
            _open.Add(inbound);
            _open.Add(outbound);
        }
        try
        {
            await outbound.ConnectAsync(_target.Host, _target.Port, cancellationToken);
            var a = inbound.GetStream();
            var b = outbound.GetStream();
            // Either direction ending (or the cut) ends both.
            await Task.WhenAny(a.CopyToAsync(b, cancellationToken), b.CopyToAsync(a, cancellationToken));
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
            lock (_open)
            {
                _open.Remove(inbound);
                _open.Remove(outbound);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        await _accept;
        _stop.Dispose();
    }
}
#endif
