namespace Raft.Simulation;

/// <summary>
/// The simulated network: every message gets a delay, and may be lost or duplicated, drawn from
/// the run's seed; links can be cut one way or both, to isolate a node or split the cluster.
/// A link that is cut when a message is sent, or when it would arrive, loses the message.
/// </summary>
public sealed class SimNetwork
{
    private readonly SimulatedTime _time;
    private readonly SimulationScheduler _scheduler;
    private readonly Random _random;
    private readonly Trace _trace;
    private readonly Func<int, bool> _isUp;
    private readonly Action<Envelope> _deliver;
    private readonly HashSet<(int From, int To)> _cut = [];
    private readonly IReadOnlyList<int> _nodes;
    private NetworkOptions _options;
    private long _nextId;

    internal SimNetwork(NetworkOptions options, IReadOnlyList<int> nodes, SimulatedTime time, SimulationScheduler scheduler,
        Random random, Trace trace, Func<int, bool> isUp, Action<Envelope> deliver)
    {
        options.Validate();
        _options = options;
        _nodes = nodes;
        _time = time;
        _scheduler = scheduler;
        _random = random;
        _trace = trace;
        _isUp = isUp;
        _deliver = deliver;
    }

    /// <summary>The fault model; may be changed between phases of a run (e.g. heal everything for a liveness phase).</summary>
    public NetworkOptions Options
    {
        get => _options;
        set
        {
            value.Validate();
            _options = value;
            _trace.Add(new NetworkChanged(_time.Elapsed, $"options {value}"));
        }
    }

    /// <summary>True if a message sent now from <paramref name="from"/> to <paramref name="to"/> can arrive.</summary>
    public bool CanReach(int from, int to) => !_cut.Contains((from, to));

    /// <summary>Cuts the link from <paramref name="from"/> to <paramref name="to"/> only (one-way).</summary>
    public void Cut(int from, int to)
    {
        _cut.Add((from, to));
        _trace.Add(new NetworkChanged(_time.Elapsed, $"cut n{from}->n{to}"));
    }

    /// <summary>Cuts every link into and out of <paramref name="node"/>.</summary>
    public void Isolate(int node)
    {
        foreach (var other in _nodes.Where(n => n != node))
        {
            _cut.Add((node, other));
            _cut.Add((other, node));
        }
        _trace.Add(new NetworkChanged(_time.Elapsed, $"isolate n{node}"));
    }

    /// <summary>Restores every link into and out of <paramref name="node"/>.</summary>
    public void Reconnect(int node)
    {
        _cut.RemoveWhere(l => l.From == node || l.To == node);
        _trace.Add(new NetworkChanged(_time.Elapsed, $"reconnect n{node}"));
    }

    /// <summary>Splits the cluster: nodes talk only to nodes of their own group. A node in no group is isolated.</summary>
    public void Partition(params int[][] groups)
    {
        _cut.Clear();
        var groupOf = new Dictionary<int, int>();
        for (var g = 0; g < groups.Length; g++)
        {
            foreach (var n in groups[g])
            {
                if (!_nodes.Contains(n))
                {
                    throw new ArgumentException($"Partition names node {n}, but the cluster has nodes {string.Join(", ", _nodes)}.");
                }
                if (!groupOf.TryAdd(n, g))
                {
                    throw new ArgumentException($"Partition puts node {n} in two groups.");
                }
            }
        }
        foreach (var a in _nodes)
        {
            foreach (var b in _nodes)
            {
                if (a != b && (!groupOf.TryGetValue(a, out var ga) || !groupOf.TryGetValue(b, out var gb) || ga != gb))
                {
                    _cut.Add((a, b));
                }
            }
        }
        _trace.Add(new NetworkChanged(_time.Elapsed,
            "partition " + string.Join(" | ", groups.Select(g => "{" + string.Join(",", g.Select(n => "n" + n)) + "}"))));
    }

    /// <summary>Restores every link.</summary>
    public void Heal()
    {
        _cut.Clear();
        _trace.Add(new NetworkChanged(_time.Elapsed, "heal"));
    }

    internal void Send(int from, int to, IMessage message)
    {
        _scheduler.CheckOnSimulationThread("ITransport.Send");
        ArgumentNullException.ThrowIfNull(message);
        var id = ++_nextId;
        _trace.Add(new MessageSent(_time.Elapsed, id, from, to, message));
        if (!_nodes.Contains(to))
        {
            _trace.Add(new MessageDropped(_time.Elapsed, id, from, to, $"there is no node {to}"));
            return;
        }
        if (!CanReach(from, to))
        {
            _trace.Add(new MessageDropped(_time.Elapsed, id, from, to, "link cut"));
            return;
        }
        // Draw every number for this message up front, whatever its fate, so one message's fate
        // does not shift the random stream of the next.
        var lost = _random.NextDouble() < _options.DropRate;
        var duplicated = _random.NextDouble() < _options.DuplicateRate;
        var delay = DrawDelay();
        var secondDelay = DrawDelay();
        if (lost)
        {
            _trace.Add(new MessageDropped(_time.Elapsed, id, from, to, "lost"));
            return;
        }
        var envelope = new Envelope(from, to, message);
        _time.Schedule(delay, new InFlight(this, id, envelope));
        if (duplicated)
        {
            _time.Schedule(secondDelay, new InFlight(this, id, envelope));
        }
    }

    /// <summary>A message on its way: it arrives when its delay has passed.</summary>
    private sealed class InFlight(SimNetwork network, long id, Envelope envelope) : SimulatedTime.Due
    {
        public override void Fire() => network.Arrive(id, envelope);
    }

    private TimeSpan DrawDelay()
    {
        var min = _options.MinDelay.Ticks;
        var max = _options.MaxDelay.Ticks;
        var longDelay = _random.NextDouble() < _options.LongDelayRate;
        var extra = _random.NextInt64(0, Math.Max(1, _options.LongDelayMax.Ticks));
        var ticks = min + _random.NextInt64(0, max - min + 1);
        return TimeSpan.FromTicks(longDelay ? ticks + extra : ticks);
    }

    private void Arrive(long id, Envelope envelope)
    {
        if (!CanReach(envelope.From, envelope.To))
        {
            _trace.Add(new MessageDropped(_time.Elapsed, id, envelope.From, envelope.To, "link cut in flight"));
            return;
        }
        if (!_isUp(envelope.To))
        {
            _trace.Add(new MessageDropped(_time.Elapsed, id, envelope.From, envelope.To, "node down"));
            return;
        }
        _trace.Add(new MessageDelivered(_time.Elapsed, id, envelope.From, envelope.To));
        _deliver(envelope);
    }
}
