using System.Diagnostics;

namespace Raft.Simulation.Linearizability;

/// <summary>
/// Records what clients did, for <see cref="LinearizabilityChecker"/>: call <see cref="Invoke"/> just before sending a
/// request and <see cref="Ok"/>, <see cref="Fail"/> or <see cref="Unknown"/> once the client knows how it ended.
/// Safe to use from many client threads at once.
/// </summary>
public sealed class HistoryRecorder
{
    private readonly Func<long> _clock;
    private readonly Lock _gate = new();
    private readonly List<Entry> _entries = [];

    /// <param name="clock">
    /// The time source (default <see cref="Stopwatch.GetTimestamp"/>); pass the simulated clock's ticks to record a
    /// simulated run. It is read under the recorder's lock, so it need not be thread-safe itself.
    /// </param>
    public HistoryRecorder(Func<long>? clock = null)
    {
        _clock = clock ?? Stopwatch.GetTimestamp;
    }

    /// <summary>How many operations have been invoked.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Notes that a client sends an operation; returns its id for the completion call.</summary>
    /// <param name="value">The argument of a put or append; null for a get.</param>
    public long Invoke(int client, OperationKind kind, string key, string? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (kind != OperationKind.Get && value is null)
        {
            throw new ArgumentNullException(nameof(value), $"A {kind.ToString().ToLowerInvariant()} needs a value.");
        }
        lock (_gate)
        {
            // The clock is read inside the lock so that ids and invocation times rise together.
            _entries.Add(new Entry(client, kind, key, value, _clock()));
            return _entries.Count - 1;
        }
    }

    /// <summary>The operation completed; <paramref name="output"/> is what a get returned (null: the key was missing).</summary>
    public void Ok(long id, string? output = null) => Finish(id, Outcome.Ok, output);

    /// <summary>The operation definitely did not take effect (refused before it reached the log, say).</summary>
    public void Fail(long id) => Finish(id, Outcome.Failed, null);

    /// <summary>The client gave up without knowing whether the operation took effect.</summary>
    public void Unknown(long id) => Finish(id, Outcome.Unknown, null);

    /// <summary>
    /// Every operation so far, in invocation order. One that was never completed is reported with an unknown outcome:
    /// the client never learned whether it took effect.
    /// </summary>
    public IReadOnlyList<Operation> History()
    {
        lock (_gate)
        {
            return _entries.Select(e => new Operation(e.Client, e.Kind, e.Key, e.Value, e.Output, e.Invoke,
                e.Outcome is Outcome.Unknown or null ? Operation.Never : e.Complete, e.Outcome ?? Outcome.Unknown)).ToList();
        }
    }

    private void Finish(long id, Outcome outcome, string? output)
    {
        lock (_gate)
        {
            if (id < 0 || id >= _entries.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(id), id, "No operation has this id.");
            }
            var e = _entries[(int)id];
            if (e.Outcome is { } already)
            {
                // A second completion is a bug in the test harness; recording either would hide it.
                throw new InvalidOperationException($"Operation {id} ({e.Kind} {e.Key}) was already completed as {already}.");
            }
            e.Outcome = outcome;
            e.Output = outcome == Outcome.Ok && e.Kind == OperationKind.Get ? output : null;
            e.Complete = _clock();
        }
    }

    private sealed class Entry(int client, OperationKind kind, string key, string? value, long invoke)
    {
        public int Client { get; } = client;

        public OperationKind Kind { get; } = kind;

        public string Key { get; } = key;

        public string? Value { get; } = value;

        public long Invoke { get; } = invoke;

        public long Complete { get; set; }

        public string? Output { get; set; }

        public Outcome? Outcome { get; set; }
    }
}
