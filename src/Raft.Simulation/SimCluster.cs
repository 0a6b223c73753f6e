using Microsoft.Extensions.Logging;

namespace Raft.Simulation;

/// <summary>Creates simulated clusters.</summary>
public static class SimCluster
{
    /// <summary>
    /// A cluster of <see cref="SimulationOptions.NodeCount"/> nodes made by <paramref name="createNode"/>,
    /// on simulated time and network. Nothing runs until <see cref="SimCluster{TNode}.Start"/> or a Run call.
    /// </summary>
    public static SimCluster<TNode> Create<TNode>(SimulationOptions options, Func<NodeContext, TNode> createNode)
        where TNode : class, IRaftNode => new(options, createNode);
}

/// <summary>
/// A cluster whose nodes run their real async loops on one thread, on simulated time, over a
/// simulated network, all driven by one seed: the same seed gives the same run, byte for byte.
/// After every step it records what changed and checks the safety rules; the first broken rule,
/// exception in node code, or escape from the simulation stops the run with a
/// <see cref="SimulationFailedException"/>.
/// </summary>
public sealed class SimCluster<TNode> : IDisposable where TNode : class, IRaftNode
{
    private readonly Func<NodeContext, TNode> _createNode;
    private readonly SimulationScheduler _scheduler = new();
    private readonly Slot[] _slots;
    private readonly IReadOnlyList<ISafetyRule> _rules;
    private readonly HashSet<int> _changed = [];
    private readonly List<IRaftNode> _live = [];
    private SimulationFailedException? _failure;
    private bool _started;
    private long _lastStepTicks = -1;
    private int _stepsThisInstant;

    internal SimCluster(SimulationOptions options, Func<NodeContext, TNode> createNode)
    {
        options.Validate();
        Options = options;
        _createNode = createNode;
        Time = new SimulatedTime(_scheduler);
        Trace = new Trace(options.Seed, options.NodeCount);
        NodeIds = Enumerable.Range(1, options.NodeCount).ToArray();
        _slots = NodeIds.Select(id => new Slot(id)).ToArray();
        foreach (var slot in _slots)
        {
            // A save that a test cut short stops the node at once (see SimStorage.CrashDuringNextSave).
            slot.Storage.CrashNode = () => slot.Dying = true;
        }
        _rules = options.SafetyRules();
        Network = new SimNetwork(options.Network, NodeIds, Time, _scheduler,
            new Random(Seeds.Derive(options.Seed, stream: 0)), Trace, IsUp, e => SlotOf(e.To).Node?.Deliver(e));
        // Nodes exist from the start, so a test can set up their state before their loops run.
        using var scope = _scheduler.Enter();
        foreach (var slot in _slots)
        {
            CreateNode(slot);
        }
    }

    public SimulationOptions Options { get; }

    public long Seed => Options.Seed;

    public SimNetwork Network { get; }

    public SimulatedTime Time { get; }

    public Trace Trace { get; }

    /// <summary>Simulated time since the start of the run.</summary>
    public TimeSpan Now => Time.Elapsed;

    public IReadOnlyList<int> NodeIds { get; }

    /// <summary>Work items run so far (a measure of how much happened).</summary>
    public long Steps => _scheduler.Steps;

    /// <summary>The live node with this id. Throws if it is crashed.</summary>
    public TNode Node(int id) =>
        SlotOf(id).Node ?? throw new InvalidOperationException($"Node {id} is crashed; Restart({id}) brings it back.");

    /// <summary>The live nodes, in id order.</summary>
    public IEnumerable<TNode> LiveNodes => _slots.Where(s => s.Node is not null).Select(s => s.Node!);

    public bool IsUp(int id) => SlotOf(id).Node is not null;

    /// <summary>The disk of node <paramref name="id"/>; it survives crashes.</summary>
    public SimStorage Storage(int id) => SlotOf(id).Storage;

    /// <summary>Starts every node's loops at simulated time 0. Run calls start the cluster if needed.</summary>
    public void Start()
    {
        if (_started)
        {
            return;
        }
        _started = true;
        using var scope = _scheduler.Enter();
        foreach (var slot in _slots)
        {
            StartLoops(slot);
        }
        Pump(Now, null);
    }

    /// <summary>Runs for <paramref name="duration"/> of simulated time.</summary>
    public void RunFor(TimeSpan duration) => RunUntil(Now + duration);

    /// <summary>Runs until simulated time <paramref name="end"/>.</summary>
    public void RunUntil(TimeSpan end)
    {
        Start();
        using var scope = _scheduler.Enter();
        Pump(end, null);
    }

    /// <summary>
    /// Runs until <paramref name="condition"/> holds (checked after every step) or <paramref name="timeout"/>
    /// of simulated time has passed. Returns whether the condition held.
    /// </summary>
    public bool RunUntil(Func<bool> condition, TimeSpan timeout)
    {
        Start();
        using var scope = _scheduler.Enter();
        return Pump(Now + timeout, condition);
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the simulation at the current instant (e.g. to call a node's
    /// method), then lets everything it started run until the clock would have to move.
    /// </summary>
    public void Do(Action action)
    {
        Start();
        using var scope = _scheduler.Enter();
        ThrowIfFailed();
        try
        {
            action();
        }
        catch (SimulatedCrashException)
        {
            // A save the test cut short: the node is down from this instant (AfterStep stops it).
        }
        AfterStep();
        Pump(Now, null);
    }

    /// <summary>Runs <paramref name="action"/> on node <paramref name="id"/> on the simulation, as <see cref="Do(Action)"/>.</summary>
    public void Do(int id, Action<TNode> action) => Do(() => action(Node(id)));

    /// <summary>Adds a remark to the trace (shown on the timeline).</summary>
    public void Note(string text) => Trace.Add(new Remark(Now, text));

    /// <summary>
    /// Crashes node <paramref name="id"/>: its loops are cancelled, its memory is lost, messages to it are
    /// dropped. Its <see cref="Storage"/> survives for <see cref="Restart"/>.
    /// </summary>
    public void Crash(int id)
    {
        Start();
        var slot = SlotOf(id);
        if (slot.Node is null)
        {
            throw new InvalidOperationException($"Node {id} is already crashed.");
        }
        using var scope = _scheduler.Enter();
        ThrowIfFailed();
        slot.Stopping = true;
        slot.Stop!.Cancel();
        Pump(Now, null);
        if (slot.Node is null)
        {
            return; // it was already going down (a save cut short), and the pump finished it
        }
        if (!slot.Run!.IsCompleted)
        {
            Fail("Loops stop on cancellation", "node lifecycle",
                $"Node {id} was crashed but its RunAsync did not finish: a loop ignores its CancellationToken, or awaits something " +
                "outside the simulation. Pass the token to every Task.Delay and ReadAsync.", null);
            ThrowIfFailed();
        }
        FinishCrash(slot);
        AfterStep();
    }

    private void FinishCrash(Slot slot)
    {
        slot.Stop!.Dispose();
        slot.Node = null;
        slot.Stop = null;
        slot.Run = null;
        slot.Stopping = false;
        slot.Dying = false;
        Trace.Add(new NodeCrashed(Now, slot.Id));
        _changed.Add(slot.Id);
    }

    /// <summary>Restarts crashed node <paramref name="id"/> from its storage, with fresh memory.</summary>
    public void Restart(int id)
    {
        Start();
        var slot = SlotOf(id);
        if (slot.Node is not null)
        {
            throw new InvalidOperationException($"Node {id} is running; Crash({id}) first.");
        }
        using var scope = _scheduler.Enter();
        ThrowIfFailed();
        slot.Incarnation++;
        slot.Last = null;
        Trace.Add(new NodeRestarted(Now, id));
        CreateNode(slot);
        StartLoops(slot);
        Pump(Now, null);
    }

    /// <summary>Stops every node. The run cannot continue afterwards.</summary>
    public void Dispose()
    {
        if (!_started || _scheduler.IsRunning)
        {
            return;
        }
        using var scope = _scheduler.Enter();
        foreach (var slot in _slots.Where(s => s.Stop is not null))
        {
            slot.Stopping = true;
            slot.Stop!.Cancel();
        }
        try
        {
            while (_scheduler.RunOne())
            {
            }
        }
        catch (Exception)
        {
            // Shutting down: a failure here was or will be reported by the run itself.
        }
        foreach (var slot in _slots)
        {
            slot.Stop?.Dispose();
        }
    }

    private Slot SlotOf(int id) =>
        id >= 1 && id <= _slots.Length
            ? _slots[id - 1]
            : throw new ArgumentOutOfRangeException(nameof(id), id, $"The cluster has nodes 1 to {_slots.Length}.");

    private void CreateNode(Slot slot)
    {
        var id = slot.Id;
        var context = new NodeContext(
            id,
            NodeIds.Where(p => p != id).ToArray(),
            new NodeTransport(this, slot),
            Time,
            new Random(Seeds.Derive(Seed, stream: 1, id, slot.Incarnation)),
            new SimLogger(id, Time, _scheduler, Trace, Options.TraceLogLevel, Options.Loggers?.CreateLogger($"n{id}")),
            slot.Storage);
        try
        {
            slot.Node = _createNode(context);
        }
        catch (Exception e)
        {
            Fail("Node construction", "node lifecycle", $"Creating node {id} threw {e.GetType().Name}: {e.Message}", e);
            ThrowIfFailed();
        }
    }

    private void StartLoops(Slot slot)
    {
        slot.Stop = new CancellationTokenSource();
        slot.Stopping = false;
        try
        {
            slot.Run = slot.Node!.RunAsync(slot.Stop.Token);
        }
        catch (Exception e)
        {
            slot.Run = Task.FromException(e);
        }
        _changed.Add(slot.Id);
        AfterStep();
    }

    private bool Pump(TimeSpan end, Func<bool>? condition)
    {
        ThrowIfFailed();
        if (condition?.Invoke() == true)
        {
            return true;
        }
        while (true)
        {
            while (true)
            {
                bool ran;
                try
                {
                    ran = _scheduler.RunOne();
                }
                catch (SimulatedCrashException)
                {
                    ran = true; // a save the test cut short: the node is down (AfterStep stops it)
                }
                catch (Exception e)
                {
                    Fail("Node code threw", "node code", $"A callback threw {e.GetType().Name}: {e.Message}", e);
                    ran = true;
                }
                if (!ran)
                {
                    break;
                }
                AfterStep();
                if (condition?.Invoke() == true)
                {
                    return true;
                }
            }
            if (!Time.FireNext(end))
            {
                break;
            }
        }
        if (_scheduler.TryTakeEscape(out var escape))
        {
            Fail("Determinism", "simulation", escape, null);
            ThrowIfFailed();
        }
        Time.AdvanceTo(end);
        return condition?.Invoke() == true;
    }

    private void AfterStep()
    {
        if (Time.Elapsed.Ticks != _lastStepTicks)
        {
            _lastStepTicks = Time.Elapsed.Ticks;
            _stepsThisInstant = 0;
        }
        if (++_stepsThisInstant > Options.MaxStepsPerInstant)
        {
            Fail("Loops must wait", "node code",
                $"More than {Options.MaxStepsPerInstant} steps ran at one instant without the clock moving: a loop spins without " +
                "awaiting a delay (e.g. `while (...) await Task.Yield();`). Wait with `await Task.Delay(t, context.Time, ct)`.", null);
        }
        if (_scheduler.TryTakeEscape(out var escape))
        {
            Fail("Determinism", "simulation", escape, null);
        }
        foreach (var slot in _slots)
        {
            if (slot.Dying && slot.Stop is not null)
            {
                // Crashed in the middle of a save: stop its loops, and once they have stopped it is down.
                slot.Stopping = true;
                if (!slot.Stop.IsCancellationRequested)
                {
                    slot.Stop.Cancel();
                }
                if (slot.Run is { IsCompleted: true })
                {
                    FinishCrash(slot);
                }
                continue;
            }
            if (slot.Run is { IsCompleted: true } run && !slot.Stopping)
            {
                if (run.IsFaulted)
                {
                    var e = run.Exception!.InnerExceptions.Count == 1 ? run.Exception.InnerException! : run.Exception;
                    Fail("Node code threw", "node code", $"Node {slot.Id} stopped with {e.GetType().Name}: {e.Message}", e);
                }
                else
                {
                    Fail("Loops run until cancelled", "node lifecycle",
                        $"Node {slot.Id}'s RunAsync finished while the node was still up: its loops must run until the CancellationToken is cancelled.", null);
                }
                slot.Stopping = true; // report once
            }
        }
        Observe();
        ThrowIfFailed();
    }

    private void Observe()
    {
        _live.Clear();
        foreach (var slot in _slots)
        {
            if (slot.Node is not { } node)
            {
                continue;
            }
            _live.Add(node);
            var log = node.Log;
            var now = new Observation(node.Role, node.CurrentTerm, node.VotedFor, log.Count,
                log.Count == 0 ? 0 : log[^1].Term, node.CommitIndex, node.LastApplied);
            if (now != slot.Last)
            {
                slot.Last = now;
                _changed.Add(slot.Id);
                Trace.Add(new NodeStateChanged(Now, slot.Id, now.Role, now.Term, now.VotedFor, now.LogLength, now.LastLogTerm,
                    now.CommitIndex, now.LastApplied));
            }
        }
        if (_changed.Count == 0 || _failure is not null)
        {
            return;
        }
        for (var i = 0; i < _rules.Count; i++)
        {
            var rule = _rules[i];
            if (rule.Check(_live, _changed) is { } sentence)
            {
                Fail(rule.Name, rule.Section, sentence, null);
                break;
            }
        }
        _changed.Clear();
    }

    private void Fail(string rule, string section, string sentence, Exception? inner)
    {
        if (_failure is not null)
        {
            return;
        }
        Trace.Add(new RunFailed(Now, rule, section, sentence));
        _failure = new SimulationFailedException(rule, section, sentence, Seed, Now, Trace, inner);
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            throw _failure;
        }
    }

    private readonly record struct Observation(
        Role Role, long Term, int? VotedFor, long LogLength, long LastLogTerm, long CommitIndex, long LastApplied);

    private sealed class Slot(int id)
    {
        public int Id { get; } = id;
        public SimStorage Storage { get; } = new();
        public TNode? Node;
        public CancellationTokenSource? Stop;
        public Task? Run;
        public bool Stopping;
        public bool Dying;
        public int Incarnation;
        public Observation? Last;
    }

    private sealed class NodeTransport(SimCluster<TNode> cluster, Slot slot) : ITransport
    {
        public void Send(int to, IMessage message)
        {
            if (slot.Dying)
            {
                return; // the node crashed during a save in this very step: nothing more leaves it
            }
            if (cluster.Options.RequirePersistBeforeSend && slot.Node is { } node && Unsaved(node, slot.Storage) is { } what)
            {
                cluster.Fail("Persist before answering", "Figure 2",
                    $"Node {slot.Id} sent {message.GetType().Name} to node {to} while {what}. Figure 2: persistent state is " +
                    "\"updated on stable storage before responding to RPCs\": a crash right after this message would make the node " +
                    "forget what the message promised (a vote, a term, entries it acknowledged).", null);
            }
            cluster.Network.Send(slot.Id, to, message);
        }

        /// <summary>What of Figure 2's persistent state differs between the node's memory and its storage; null if nothing.</summary>
        private static string? Unsaved(IRaftNode node, SimStorage saved)
        {
            if (node.CurrentTerm != saved.CurrentTerm)
            {
                return $"its currentTerm is {node.CurrentTerm} but its storage holds {saved.CurrentTerm}";
            }
            if (node.VotedFor != saved.VotedFor)
            {
                return $"its votedFor is {Show(node.VotedFor)} but its storage holds {Show(saved.VotedFor)}";
            }
            var log = node.Log;
            var disk = saved.Log;
            if (log.Count != disk.Count)
            {
                return $"its log has {log.Count} entries but its storage holds {disk.Count}";
            }
            // The last entry and one in the middle: cheap, and enough to catch a log saved before it changed.
            return Differs(log.Count - 1) ?? Differs(log.Count / 2);

            string? Differs(int i) =>
                i >= 0 && i < log.Count && !Equals(log[i], disk[i]) ? $"its entry at index {i + 1} is {log[i]} but its storage holds {disk[i]}" : null;
        }

        private static string Show(int? vote) => vote is { } v ? $"node {v}" : "nobody";
    }
}
