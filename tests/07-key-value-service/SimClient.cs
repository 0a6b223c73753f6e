using Raft.Gate.Ch04;
using Raft.Simulation;

namespace Raft.Gate.Ch07;

/// <summary>
/// A client of the key-value service on the simulated cluster, as <see cref="KeyValueClient"/> and
/// <see cref="RaftClient"/> are on sockets: it registers a session, numbers its writes, sends each to the node it
/// believes leads, and resends the same command (same session, same number) when an attempt fails or gets no answer in
/// time, until one attempt is answered. Gets go by ReadIndex (<see cref="RaftNode.ReadAsync"/>) and are simply asked
/// again. One operation at a time, like a real client; <see cref="Tick"/> moves it on between slices of simulated time.
/// </summary>
internal sealed class SimClient(SimCluster<RaftNode> cluster, int id, bool sessions = true)
{
    /// <summary>How long one attempt may go unanswered before the client tries again (RaftClient.AttemptTimeout).</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromMilliseconds(400);

    /// <summary>One operation: what the client asked, when, and what it was told.</summary>
    public sealed record Op(int Client, string Kind, string Key, string? Value, string Command, TimeSpan Invoked)
    {
        /// <summary>What is sent: for a write, in its session once the client has one.</summary>
        public string Command { get; set; } = Command;

        public TimeSpan? Completed { get; set; }

        /// <summary>The answer, once an attempt was answered; null while none was.</summary>
        public string? Output { get; set; }

        /// <summary>How many times it was sent.</summary>
        public int Attempts { get; set; }

        public override string ToString() => $"client {Client}: {Command} [{Invoked.TotalMilliseconds:0}..{(Completed is { } c ? $"{c.TotalMilliseconds:0}" : "?")} ms] -> {Output ?? "no answer"}";
    }

    private long? _session;
    private long _sequence;
    private Op? _current;
    private Task<string>? _attempt;
    private TimeSpan _attemptStarted;

    public int Id => id;

    /// <summary>Every operation begun, in order (registering a session is not one: it changes no key).</summary>
    public List<Op> Operations { get; } = [];

    /// <summary>True when no operation is in progress.</summary>
    public bool Idle => _current is null;

    /// <summary>How many attempts were resends, over all operations.</summary>
    public int Retries => Operations.Sum(o => Math.Max(0, o.Attempts - 1));

    /// <summary>Begins an append of <paramref name="value"/> to <paramref name="key"/> (the client must be idle).</summary>
    public void Append(string key, string value) => Begin("append", key, value, KeyValueStore.Append(key, value));

    public void Put(string key, string value) => Begin("put", key, value, KeyValueStore.Put(key, value));

    public void Get(string key) => Begin("get", key, null, KeyValueStore.Get(key));

    private void Begin(string kind, string key, string? value, string command)
    {
        if (_current is not null)
        {
            throw new InvalidOperationException($"Client {id} is still waiting for {_current.Command}.");
        }
        // A write goes in the session, numbered now: every resend carries the same number.
        var sent = kind == "get" || !sessions ? command : null;
        _current = new Op(id, kind, key, value, sent ?? command, cluster.Now);
        Operations.Add(_current);
        if (sent is null)
        {
            _pendingWrite = command;
        }
        Tick();
    }

    // A write waiting for its session to be registered before it can be numbered.
    private string? _pendingWrite;

    /// <summary>Looks at the attempt in flight: takes its answer, or sends again if it failed or took too long.</summary>
    public void Tick()
    {
        if (_current is null)
        {
            return;
        }
        if (_pendingWrite is not null)
        {
            if (_session is null)
            {
                RegisterStep();
                if (_session is null)
                {
                    return;
                }
            }
            _current.Command = KeyValueStore.InSession(_session.Value, ++_sequence, _pendingWrite);
            _pendingWrite = null;
            _attempt = null;
        }
        if (_attempt is { IsCompletedSuccessfully: true })
        {
            _current.Output = _attempt.Result;
            _current.Completed = cluster.Now;
            _current = null;
            _attempt = null;
            return;
        }
        if (_attempt is null || _attempt.IsFaulted || _attempt.IsCanceled || cluster.Now - _attemptStarted >= AttemptTimeout)
        {
            _attempt = Send(_current.Kind == "get" ? null : _current.Command, _current.Kind == "get" ? _current.Command : null);
            if (_attempt is not null)
            {
                _current.Attempts++;
            }
        }
    }

    // Registering is a command like any other, resent until answered; a resend may register a second session, which
    // simply expires unused.
    private void RegisterStep()
    {
        if (_attempt is { IsCompletedSuccessfully: true })
        {
            _session = long.Parse(_attempt.Result, System.Globalization.CultureInfo.InvariantCulture);
            _attempt = null;
            return;
        }
        if (_attempt is null || _attempt.IsFaulted || _attempt.IsCanceled || cluster.Now - _attemptStarted >= AttemptTimeout)
        {
            _attempt = Send(KeyValueStore.RegisterCommand, null);
        }
    }

    /// <summary>
    /// Sends to the leader this client knows while that node still believes it leads, as a real client keeps talking to the
    /// node that answered it last (it cannot see terms); after a failure or a timeout, to any node that believes it leads. Null when none does.
    /// </summary>
    private Task<string>? Send(string? write, string? read)
    {
        if (_leader is not { } known || !cluster.IsUp(known.Id) || cluster.Node(known.Id) != known || known.Role != Role.Leader || _attempt is not null)
        {
            var leaders = cluster.LiveNodes.Where(n => n.Role == Role.Leader).OrderBy(n => n.Id).ToList();
            _leader = leaders.Count == 0 ? null : leaders[_random.Next(leaders.Count)];
        }
        if (_leader is null)
        {
            return null;
        }
        _attemptStarted = cluster.Now;
        return write is not null ? cluster.SubmitAsync(_leader, write) : Reads.ReadAsync(cluster, _leader, read!);
    }

    private RaftNode? _leader;
    private readonly Random _random = new((int)(cluster.Seed * 100 + id));
}
