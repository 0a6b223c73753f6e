using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Raft.Simulation.Linearizability;

/// <summary>
/// Decides whether a key-value history is linearizable: whether some order of the operations, each placed at an instant
/// between its invocation and completion, explains every result the clients saw.
/// </summary>
/// <remarks>
/// Linearizability is compositional (Herlihy &amp; Wing's locality, which Knossos and Porcupine call P-compositionality):
/// a history is linearizable exactly when each key's sub-history is, so each key is searched on its own. That turns one
/// search exponential in the whole history's concurrency into several small ones.
/// </remarks>
public static class LinearizabilityChecker
{
    /// <summary>The budget when none is given: generous, but a pathological history cannot hang a test run.</summary>
    public static TimeSpan DefaultBudget { get; } = TimeSpan.FromMinutes(1);

    // Minimising a failure is a courtesy to the reader, not the verdict: it gets a few seconds per key and a few more in
    // all, so a history that fails on many keys still returns promptly.
    private static readonly TimeSpan MinimisePerKey = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan MinimiseInAll = TimeSpan.FromSeconds(10);

    // Orders longer than this are shortened in explanations; the full order is in KeyVerdict.Order.
    private const int ShownOrder = 12;

    /// <summary>
    /// Checks every key of <paramref name="history"/> on its own. The whole check, minimising failures included, shares
    /// one <paramref name="budget"/> (default <see cref="DefaultBudget"/>; <see cref="Timeout.InfiniteTimeSpan"/> for none);
    /// a key whose search runs out of it is reported as given up, neither pass nor failure.
    /// </summary>
    public static CheckResult Check(IEnumerable<Operation> history, TimeSpan? budget = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        var ops = history.ToList();
        ops.ForEach(Validate);
        var limits = new Limits(budget);
        var keys = ops.GroupBy(o => o.Key, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Decide(g.Key, g.ToList(), limits))
            .ToList();
        return new CheckResult(keys);
    }

    /// <summary>Checks the operations of one key (all of <paramref name="ops"/> must be on <paramref name="key"/>).</summary>
    public static KeyVerdict CheckKey(string key, IReadOnlyList<Operation> ops, TimeSpan? budget = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(ops);
        foreach (var op in ops)
        {
            Validate(op);
            if (!string.Equals(op.Key, key, StringComparison.Ordinal))
            {
                throw new ArgumentException($"CheckKey(\"{key}\") was given an operation on another key: {op}", nameof(ops));
            }
        }
        return Decide(key, ops, new Limits(budget));
    }

    private static void Validate(Operation op)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (op.Key is null)
        {
            throw new ArgumentException($"An operation has no key: {op}");
        }
        if (op.IsWrite && op.Value is null)
        {
            throw new ArgumentException($"A {op.Kind.ToString().ToLowerInvariant()} needs a value: {op}");
        }
        if (op.Outcome != Outcome.Unknown && op.Complete < op.Invoke)
        {
            throw new ArgumentException($"An operation completes before it is invoked: {op}");
        }
    }

    private static KeyVerdict Decide(string key, IReadOnlyList<Operation> all, Limits limits)
    {
        var ops = Relevant(all);
        var result = WglSearch.Run(ops, limits.Deadline, long.MaxValue, limits.BudgetText);
        switch (result.Verdict)
        {
            case WglSearch.Verdict.Linearizable:
                var order = result.Order!.Select(i => ops[i]).ToList();
                return new KeyVerdict(key, all)
                {
                    Linearizable = true,
                    Order = order,
                    Explanation = Passed(key, all, ops, order),
                    Steps = result.Steps,
                    Elapsed = result.Elapsed,
                };
            case WglSearch.Verdict.GaveUp:
                var placed = result.Deepest?.Prefix.Length ?? 0;
                var reason = string.Create(CultureInfo.InvariantCulture,
                    $"{result.GaveUpBecause} ran out after {result.Steps:N0} steps; the longest order found placed {placed} of {ops.Count} operations");
                return new KeyVerdict(key, all)
                {
                    GaveUp = true,
                    GaveUpReason = reason,
                    StuckAt = Stuck(result.Deepest, ops),
                    Explanation = $"key {key}: undecided. The checker gave up: {reason}, before it found an order that explains the " +
                                  "history or ruled every order out. This is neither a pass nor a failure: give it a larger budget or check a shorter history.",
                    Steps = result.Steps,
                    Elapsed = result.Elapsed,
                };
            default:
                var (minimal, partial) = Minimise(ops, result, limits);
                var shown = minimal.Concat(all.Where(o => o is { Outcome: Outcome.Failed, IsWrite: true } && minimal.Any(r => KeyValueModel.CouldSource(o, r))))
                    .Distinct(ReferenceEqualityComparer.Instance).Cast<Operation>()
                    .OrderBy(o => o.Invoke).ToList();
                // The minimal history's own deepest point reads better than the whole history's: every operation in it matters.
                var own = WglSearch.Run(minimal, long.MaxValue, 4 * result.Steps + 100_000, "");
                var stuck = Stuck(result.Deepest, ops);
                return new KeyVerdict(key, all)
                {
                    StuckAt = stuck,
                    Minimal = shown,
                    MinimalIsPartial = partial,
                    Explanation = Failed(key, all, ops, minimal, shown,
                        own.Verdict == WglSearch.Verdict.NotLinearizable ? Stuck(own.Deepest, minimal) : stuck, partial),
                    Steps = result.Steps,
                    Elapsed = result.Elapsed,
                };
        }
    }

    /// <summary>
    /// The operations the search needs. A failed operation did not happen, and a get whose answer never arrived
    /// constrains nothing: both are left out. So is an unknown write whose value no read that could come after it could
    /// have seen (no read ending at or after its invocation starts with a put's value or contains an append's): in any
    /// order that explains the history, a put overwrites such a write before any read, so leaving it out changes no read,
    /// and an unknown write may always be left out. Each one kept multiplies the work wherever the search backtracks (it
    /// may or may not have happened at every point after its call), so writes that timed out and were never read, the
    /// commonest kind, would otherwise dominate the search.
    /// </summary>
    private static List<Operation> Relevant(IReadOnlyList<Operation> all)
    {
        var reads = all.Where(o => o is { Outcome: Outcome.Ok, Kind: OperationKind.Get, Output: not null }).ToList();
        return [.. all.Where(o => o.Outcome == Outcome.Ok ||
                                  o is { Outcome: Outcome.Unknown, IsWrite: true } && reads.Any(r => r.Complete >= o.Invoke && KeyValueModel.CouldSource(o, r)))];
    }

    private static StuckPoint? Stuck(WglSearch.Deepest? deepest, IReadOnlyList<Operation> ops) =>
        deepest is null
            ? null
            : new StuckPoint([.. deepest.Prefix.Select(i => ops[i])], deepest.State, ops[deepest.MustCome], [.. deepest.Others.Select(i => ops[i])]);

    /// <summary>
    /// A small failing part of a failing history. First a cut that cannot change the verdict: operations invoked after the
    /// last moment any path of the search got stuck were never tried, so without them the search goes exactly the same
    /// way. Then chunks, halving down to single operations, are removed while the rest still fails (the delta-debugging
    /// idea, which needs far fewer checks than one operation at a time when most of a long history is irrelevant).
    /// A write that could have produced a value some remaining read saw is never removed: without it the read would fail
    /// for a reason the real history does not have (nobody wrote that value) and the "minimal" history would mislead.
    /// </summary>
    private static (List<Operation> Minimal, bool Partial) Minimise(List<Operation> ops, WglSearch.Result failed, Limits limits)
    {
        var until = limits.MinimiseUntil();
        var maxSteps = 4 * failed.Steps + 100_000;
        bool Fails(List<Operation> part) => WglSearch.Run(part, until, maxSteps, "").Verdict == WglSearch.Verdict.NotLinearizable;
        bool Needed(Operation op, IEnumerable<Operation> rest) => op.IsWrite && rest.Any(r => KeyValueModel.CouldSource(op, r));

        var kept = ops.Where(o => o.Invoke <= failed.LastStuck).ToList();
        kept.AddRange(ops.Where(o => o.Invoke > failed.LastStuck && Needed(o, kept)));
        kept = [.. kept.OrderBy(o => o.Invoke)];
        if (kept.Count < ops.Count && !Fails(kept))
        {
            kept = [.. ops.OrderBy(o => o.Invoke)]; // cannot happen by the argument above; never report a part that passes
        }

        for (var chunk = Math.Max(1, kept.Count / 2); ; chunk = Math.Max(1, chunk / 2))
        {
            var changed = false;
            for (var i = 0; i < kept.Count;)
            {
                if (Stopwatch.GetTimestamp() > until)
                {
                    return (kept, true);
                }
                var part = kept.GetRange(i, Math.Min(chunk, kept.Count - i));
                var rest = kept.Where((_, j) => j < i || j >= i + part.Count).ToList();
                var removable = part.Where(o => !Needed(o, rest)).ToHashSet(ReferenceEqualityComparer.Instance);
                if (removable.Count > 0)
                {
                    var candidate = kept.Where(o => !removable.Contains(o)).ToList();
                    if (Fails(candidate))
                    {
                        kept = candidate;
                        changed = true;
                        i += part.Count - removable.Count; // the kept ones of this chunk stay; the next chunk has slid to here
                        continue;
                    }
                }
                i += part.Count;
            }
            if (chunk == 1 && !changed)
            {
                return (kept, false);
            }
        }
    }

    private static string Passed(string key, IReadOnlyList<Operation> all, List<Operation> ops, List<Operation> order)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"key {key}: linearizable ({all.Count} operations).");
        if (order.Count > 0)
        {
            sb.Append(" An order that explains it: ").Append(Sequence(order)).Append('.');
        }
        var unplaced = all.Count(o => o is { Outcome: Outcome.Unknown, IsWrite: true }) - order.Count(o => o.Outcome == Outcome.Unknown);
        if (unplaced > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $" {unplaced} write(s) with an unknown outcome need not have taken effect.");
        }
        var left = all.Count(o => o.Outcome == Outcome.Failed || o is { Outcome: Outcome.Unknown, IsWrite: false });
        if (left > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $" {left} operation(s) left out: failed ones did not happen, and unanswered gets constrain nothing.");
        }
        return sb.ToString();
    }

    private static string Failed(string key, IReadOnlyList<Operation> all, List<Operation> ops, List<Operation> minimal,
        List<Operation> shown, StuckPoint? stuck, bool partial)
    {
        var sb = new StringBuilder();
        sb.Append(minimal.Count == 1
            ? $"key {key}: no order of operations explains what the client saw:"
            : $"key {key}: no order of these {minimal.Count} operations explains what the clients saw:");
        foreach (var op in shown)
        {
            sb.Append("\n  ").Append(op);
            if (op.Outcome == Outcome.Failed)
            {
                sb.Append(" (it did not take effect, so the checker leaves it out)");
            }
        }
        if (minimal.Count < ops.Count)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n(The smallest part found of the {all.Count} operations on {key} that still fails on its own")
              .Append(partial ? "; minimising stopped early, so it may shrink further)." : ".)");
        }
        if (stuck is not null)
        {
            sb.Append('\n');
            if (stuck.Prefix.Count == 0)
            {
                sb.Append(CultureInfo.InvariantCulture,
                    $"Nothing can come first: {key} starts missing, but the operation that must come first ({stuck.MustCome}) {StuckPoint.Needs(stuck.MustCome)}.");
            }
            else
            {
                sb.Append("The longest order found: ").Append(Sequence(stuck.Prefix))
                  .Append(CultureInfo.InvariantCulture, $"; after it, {key} is {KeyValueModel.Describe(stuck.State)}, but the next operation that must come ({stuck.MustCome}) {StuckPoint.Needs(stuck.MustCome)}.");
            }
            if (stuck.Others.Count > 0)
            {
                sb.Append(" Nor can the operations that overlap it come there: ")
                  .Append(string.Join("; ", stuck.Others.Select(o => $"{o} {StuckPoint.Needs(o)}"))).Append('.');
            }
        }
        foreach (var failed in shown.Where(o => o.Outcome == Outcome.Failed))
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n{failed}, yet a read saw the value it would have written.");
        }
        foreach (var read in minimal.Where(o => o.Kind == OperationKind.Get && o.Output is not null).DistinctBy(o => o.Output))
        {
            if (!all.Any(w => w.IsWrite && KeyValueModel.CouldSource(w, read)))
            {
                sb.Append(CultureInfo.InvariantCulture, $"\nNo operation on {key} wrote anything that could make {KeyValueModel.Describe(read.Output)}.");
            }
        }
        return sb.ToString();
    }

    private static string Sequence(IReadOnlyList<Operation> order) =>
        order.Count <= ShownOrder
            ? string.Join(", then ", order)
            : string.Join(", then ", order.Take(ShownOrder / 2)) +
              string.Create(CultureInfo.InvariantCulture, $", ... ({order.Count - ShownOrder} more) ..., then ") +
              string.Join(", then ", order.Skip(order.Count - ShownOrder / 2));

    /// <summary>One check's clock: the deadline of the whole check, and the share of it minimisation may use.</summary>
    private sealed class Limits
    {
        private long _minimiseEnd = long.MinValue;

        public Limits(TimeSpan? budget)
        {
            var allowed = budget ?? DefaultBudget;
            if (allowed == Timeout.InfiniteTimeSpan)
            {
                Deadline = long.MaxValue;
                BudgetText = "no budget";
                return;
            }
            ArgumentOutOfRangeException.ThrowIfLessThan(allowed, TimeSpan.Zero, nameof(budget));
            var ticks = (long)Math.Min(allowed.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 2);
            Deadline = Stopwatch.GetTimestamp() + ticks;
            BudgetText = allowed < TimeSpan.FromSeconds(1)
                ? string.Create(CultureInfo.InvariantCulture, $"the budget of {allowed.TotalMilliseconds:0.###} ms")
                : string.Create(CultureInfo.InvariantCulture, $"the budget of {allowed.TotalSeconds:0.###} s");
        }

        /// <summary>A <see cref="Stopwatch.GetTimestamp"/> after which searches give up.</summary>
        public long Deadline { get; }

        /// <summary>How the budget reads in a give-up message.</summary>
        public string BudgetText { get; }

        /// <summary>When minimising the key failing now must stop: its own share, within what all minimising may take and the deadline.</summary>
        public long MinimiseUntil()
        {
            var now = Stopwatch.GetTimestamp();
            if (_minimiseEnd == long.MinValue)
            {
                _minimiseEnd = now + (long)(MinimiseInAll.TotalSeconds * Stopwatch.Frequency);
            }
            return Math.Min(Deadline, Math.Min(_minimiseEnd, now + (long)(MinimisePerKey.TotalSeconds * Stopwatch.Frequency)));
        }
    }
}
