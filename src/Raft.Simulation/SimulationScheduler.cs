using System.Collections.Concurrent;

namespace Raft.Simulation;

/// <summary>
/// A <see cref="SynchronizationContext"/> with one FIFO run queue, drained on one thread.
/// Every <c>await</c> in node code captures it, so every continuation comes back here in a
/// fixed order: that is what makes a run repeat exactly from its seed (see shared/determinism.md).
/// </summary>
public sealed class SimulationScheduler : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();
    private readonly ConcurrentQueue<string> _escapes = new();
    private int _threadId = -1;

    public SimulationScheduler() => Watchdog.Watch(this);

    /// <summary>True while a thread is draining the queue (inside <see cref="Enter"/>).</summary>
    public bool IsRunning => _threadId != -1;

    /// <summary>Work items run so far.</summary>
    public long Steps { get; private set; }

    public override void Post(SendOrPostCallback d, object? state)
    {
        if (Environment.CurrentManagedThreadId != _threadId)
        {
            // A continuation arrived from another thread: something started real work outside the
            // simulation (a real timer, Task.Run, ConfigureAwait(false) further up). Running it would
            // make the run depend on the operating system's timing, so it is recorded and dropped.
            _escapes.Enqueue(Escapes.ForeignPost);
            return;
        }
        _queue.Enqueue((d, state));
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        if (Environment.CurrentManagedThreadId != _threadId)
        {
            _escapes.Enqueue(Escapes.ForeignPost);
            return;
        }
        d(state);
    }

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Makes the calling thread the simulation thread until the returned scope is disposed.</summary>
    internal Scope Enter()
    {
        if (_threadId != -1)
        {
            throw new InvalidOperationException("The simulation is already running; do not call it from node code or from a second thread.");
        }
        var previous = Current;
        _threadId = Environment.CurrentManagedThreadId;
        SetSynchronizationContext(this);
        return new Scope(this, previous);
    }

    /// <summary>Runs one queued work item. Returns false when the queue is empty.</summary>
    internal bool RunOne()
    {
        if (!_queue.TryDequeue(out var item))
        {
            return false;
        }
        Steps++;
        // Odd while a step runs, even between steps: the Watchdog thread reads it. (Cheaper than reading a clock per step.)
        Volatile.Write(ref _stepMark, _stepMark + 1);
        try
        {
            item.Callback(item.State);
        }
        finally
        {
            Volatile.Write(ref _stepMark, _stepMark + 1);
        }
        return true;
    }

    private long _stepMark;

    /// <summary>Which step is running: odd while one runs, even between steps. Read by the Watchdog thread.</summary>
    internal long StepMark => Volatile.Read(ref _stepMark);

    /// <summary>Throws <see cref="InvalidOperationException"/> unless called on the simulation thread inside a run.</summary>
    internal void CheckOnSimulationThread(string what)
    {
        if (Environment.CurrentManagedThreadId != _threadId || Current != this)
        {
            _escapes.Enqueue(Escapes.ForeignCall(what));
            throw new InvalidOperationException(Escapes.ForeignCall(what));
        }
    }

    internal void ReportEscape(string what) => _escapes.Enqueue(Escapes.ForeignCall(what));

    internal bool TryTakeEscape(out string sentence) => _escapes.TryDequeue(out sentence!);

    internal readonly struct Scope(SimulationScheduler scheduler, SynchronizationContext? previous) : IDisposable
    {
        public void Dispose()
        {
            scheduler._threadId = -1;
            SetSynchronizationContext(previous);
        }
    }
}

/// <summary>The sentences a learner reads when node code leaves the simulation.</summary>
internal static class Escapes
{
    public const string Advice =
        "Node code must stay on the simulation: wait with `await Task.Delay(t, context.Time, ct)`, read the clock " +
        "with `context.Time.GetUtcNow()`, draw randomness from `context.Random`, and do not use ConfigureAwait(false), " +
        "Task.Run, threads, Thread.Sleep, DateTime.Now, Stopwatch or `new Random()`.";

    public const string ForeignPost =
        "A continuation came back from another thread: node code started work outside the simulation (a Task.Delay " +
        "without the TimeProvider, a real timer, Task.Run, a thread, ConfigureAwait(false) on a channel read, or Task.WhenAny " +
        "over a task that a CancellationToken cancelled). " + Advice;

    public static string ForeignCall(string what) =>
        $"{what} was called outside the simulation thread (after ConfigureAwait(false), inside Task.Run, or from a real timer). " + Advice;
}
