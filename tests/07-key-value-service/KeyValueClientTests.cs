using System.Net;
using System.Net.Sockets;
using Raft.Gate.Ch06;

namespace Raft.Gate.Given;

// Not a TODO of chapter 7 but the client it is given (a starter passes these): a write goes in a session, and a retry
// after a lost answer carries the same session and number, so the state machine can apply it once (thesis §6.3).
public sealed class KeyValueClientTests
{
    /// <summary>
    /// A node on loopback that answers each command with what <paramref name="answer"/> says for it (given how many
    /// commands came before), or drops the connection without answering when it says null, as a leader that crashed
    /// after committing would: the client never hears that answer.
    /// </summary>
    private sealed class FakeNode : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task _serve;
        private readonly CancellationTokenSource _stop = new();
        private readonly Func<string, int, string?> _answer;

        public FakeNode(Func<string, int, string?> answer)
        {
            _answer = answer;
            _listener.Start();
            _serve = ServeAsync(_stop.Token);
        }

        public List<string> Commands { get; } = [];

        public NodeAddress Address => new(1, "127.0.0.1", ((IPEndPoint)_listener.LocalEndpoint).Port);

        private async Task ServeAsync(CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                using var client = await _listener.AcceptTcpClientAsync(cancellationToken);
                var stream = client.GetStream();
                while (await Frames.ReadAsync(stream, Frames.DefaultMaxLength, cancellationToken) is { } payload)
                {
                    var request = (ClientRequest)MessageCodec.Decode(payload).Message;
                    int before;
                    lock (Commands)
                    {
                        before = Commands.Count;
                        Commands.Add(request.Command);
                    }
                    if (_answer(request.Command, before) is not { } result)
                    {
                        break; // the answer is lost with the connection
                    }
                    await stream.WriteAsync(Frames.Frame(MessageCodec.Encode(1, new ClientReply(request.RequestId, true, result))), cancellationToken);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _serve;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
            _stop.Dispose();
        }
    }

    [Fact]
    public async Task A_write_retried_after_a_lost_answer_carries_the_same_session_and_number()
    {
        // Register answers session 5; the first try of the write is committed but its answer lost; the retry is answered.
        await using var node = new FakeNode((command, before) => command == KeyValueStore.RegisterCommand ? "5" : before == 1 ? null : "a");
        await using var client = new KeyValueClient(new RaftClient([node.Address]) { AttemptTimeout = Live.Quick });
        using var deadline = new CancellationTokenSource(Live.Deadline);

        var result = await client.AppendAsync("x", "a", deadline.Token);

        result.ShouldBe("a", "the retry's answer is the write's result");
        List<string> sent;
        lock (node.Commands)
        {
            sent = [.. node.Commands];
        }
        sent.ShouldBe([KeyValueStore.RegisterCommand, KeyValueStore.InSession(5, 1, KeyValueStore.Append("x", "a")), KeyValueStore.InSession(5, 1, KeyValueStore.Append("x", "a"))],
            "thesis §6.3: the client registers once, then sends its write in session 5 as command 1, and resends exactly that after the lost answer");
        client.Session.ShouldBe(5, "the client writes in the session it registered");
        client.Sequence.ShouldBe(1, "one write, one number, however often it was sent");
    }

    [Fact]
    public async Task An_expired_session_is_an_unknown_outcome_and_the_next_write_registers_anew()
    {
        var registered = 0;
        await using var node = new FakeNode((command, before) => command == KeyValueStore.RegisterCommand
            ? $"{(++registered == 1 ? 5 : 9)}"
            : command.StartsWith("session 5 ", StringComparison.Ordinal) ? $"{KeyValueStore.SessionExpiredError}: session 5 is unknown, or expired" : "ok");
        await using var client = new KeyValueClient(new RaftClient([node.Address]) { AttemptTimeout = Live.Quick });
        using var deadline = new CancellationTokenSource(Live.Deadline);

        var expired = await Should.ThrowAsync<SessionExpiredException>(client.PutAsync("x", "1", deadline.Token),
            "thesis §6.3: a write in an expired session may or may not have been applied by an earlier try: its outcome is unknown");
        expired.Message.ShouldContain("Session 5 expired", Case.Sensitive, $"the exception names the session: {expired.Message}");

        (await client.PutAsync("x", "2", deadline.Token)).ShouldBe("ok", "the next write registers a new session and is applied");
        client.Session.ShouldBe(9, "the client writes in its new session");
        client.Sequence.ShouldBe(1, "and numbers its commands from 1 again");
    }
}
