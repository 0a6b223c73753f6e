using System.Collections.Immutable;
using System.Diagnostics;
using Raft.Simulation.Linearizability;
using Xunit.Abstractions;

namespace Raft.Simulation.Tests;

// The checker against a brute force that tries every order, on many small random histories; and on a long history of
// a real atomic register, which must pass within its budget.
public sealed class LinearizabilityCrossCheckTests(ITestOutputHelper output)
{
    private static readonly string?[] Values = [null, "", "1", "2", "a", "b", "12", "21", "ab", "ba", "aa", "1a", "2b"];

    [Fact]
    public void The_checker_agrees_with_trying_every_order_on_500_small_random_histories()
    {
        int passed = 0, failed = 0, withUnknown = 0, withFailed = 0, twoKeys = 0;
        for (var seed = 0; seed < 500; seed++)
        {
            var history = SmallHistory(new Random(seed));
            var expected = BruteForce(history);

            var result = LinearizabilityChecker.Check(history);

            result.Undecided.ShouldBeEmpty();
            result.Linearizable.ShouldBe(expected, $"seed {seed}:\n{string.Join("\n", history)}\n{result.Summary()}");
            foreach (var verdict in result.Keys.Where(k => k.Linearizable))
            {
                IsOrderOf(verdict.Order!, verdict.Operations).ShouldBeTrue($"seed {seed}: the order found explains key {verdict.Key}");
            }
            foreach (var verdict in result.Failures)
            {
                var minimal = verdict.Minimal!.Where(o => o.Outcome != Outcome.Failed).ToList();
                BruteForce(minimal).ShouldBeFalse($"seed {seed}: the minimal history of key {verdict.Key} fails on its own");
                BruteForce(verdict.Operations).ShouldBeFalse($"seed {seed}: key {verdict.Key} fails on its own");
            }
            (expected ? ref passed : ref failed)++;
            withUnknown += history.Any(o => o.Outcome == Outcome.Unknown) ? 1 : 0;
            withFailed += history.Any(o => o.Outcome == Outcome.Failed) ? 1 : 0;
            twoKeys += history.Select(o => o.Key).Distinct().Count() > 1 ? 1 : 0;
        }

        output.WriteLine($"{passed} linearizable, {failed} not; {withUnknown} with unknown outcomes, {withFailed} with failed ones, {twoKeys} on two keys");
        passed.ShouldBeGreaterThan(100);
        failed.ShouldBeGreaterThan(100);
        withUnknown.ShouldBeGreaterThan(50);
        withFailed.ShouldBeGreaterThan(50);
        twoKeys.ShouldBeGreaterThan(50);
    }

    [Fact]
    public void A_long_history_of_an_atomic_register_with_five_clients_is_linearizable()
    {
        var history = RegisterHistory(new Random(2024), operations: 2_000, clients: 5, keys: ["a", "b", "c"]);
        history.Count(o => o.Outcome == Outcome.Unknown).ShouldBeGreaterThan(10);
        history.Count(o => o.Outcome == Outcome.Failed).ShouldBeGreaterThan(5);

        var clock = Stopwatch.StartNew();
        var result = LinearizabilityChecker.Check(history, TimeSpan.FromMinutes(2));
        output.WriteLine($"checked {history.Count} operations in {clock.Elapsed.TotalMilliseconds:0} ms; " +
                         string.Join("; ", result.Keys.Select(k => $"{k.Key}: {k.Operations.Count} ops, {k.Steps:N0} steps, {k.Elapsed.TotalMilliseconds:0} ms")));

        result.Linearizable.ShouldBeTrue(result.Summary());
        result.Keys.Count.ShouldBe(3);
        foreach (var verdict in result.Keys)
        {
            IsOrderOf(verdict.Order!, verdict.Operations).ShouldBeTrue();
        }
    }

    [Fact]
    public void The_same_register_history_with_one_read_changed_fails_on_that_key_with_a_small_minimal_history()
    {
        var history = RegisterHistory(new Random(7), operations: 600, clients: 5, keys: ["a", "b", "c"]).ToList();
        // Changed to a value no write produced: a read of something nobody wrote.
        var victim = history.FindIndex(300, o => o is { Key: "b", Kind: OperationKind.Get, Outcome: Outcome.Ok });
        history[victim] = history[victim] with { Output = "NOBODY" };

        var clock = Stopwatch.StartNew();
        var result = LinearizabilityChecker.Check(history, TimeSpan.FromMinutes(2));
        output.WriteLine($"checked and minimised in {clock.Elapsed.TotalMilliseconds:0} ms:\n{result.Summary()}");

        var failure = result.Failures.ShouldHaveSingleItem();
        failure.Key.ShouldBe("b");
        failure.Minimal!.ShouldHaveSingleItem().ShouldBeSameAs(history[victim]);
        failure.Explanation.ShouldContain("No operation on b wrote anything that could make \"NOBODY\"");
    }

    /// <summary>
    /// A history of at most 6 operations by 1-3 clients on one or two keys, from a register that mostly behaves: each
    /// operation takes effect at a random instant inside its interval (an unknown one maybe much later, or never; a
    /// failed one never, except when the store misbehaves), and half the time a read's answer is replaced by a random one.
    /// Times are small integers, so operations often start at the tick another ends.
    /// </summary>
    private static List<Operation> SmallHistory(Random random)
    {
        var clients = random.Next(1, 4);
        var count = random.Next(1, 7);
        var keys = random.Next(3) == 0 ? new[] { "x", "y" } : ["x"];
        var free = new long[clients];
        var planned = new List<(Operation Op, double? At)>();
        for (var i = 0; i < count; i++)
        {
            var client = random.Next(clients);
            var invoke = free[client] + random.Next(0, 3);
            var complete = invoke + random.Next(0, 4);
            var kind = (OperationKind)random.Next(3);
            var value = kind == OperationKind.Get ? null : Values[random.Next(2, Values.Length)]![..1];
            var roll = random.Next(100);
            var outcome = roll < 65 ? Outcome.Ok : roll < 82 ? Outcome.Unknown : Outcome.Failed;
            double? at = outcome switch
            {
                Outcome.Ok => invoke + random.NextDouble() * (complete - invoke),
                Outcome.Unknown => random.Next(2) == 0 ? null : invoke + random.NextDouble() * 12,
                _ => random.Next(5) == 0 ? invoke + random.NextDouble() * (complete - invoke) : null,
            };
            // A client that never heard back gives up at some point and goes on.
            free[client] = outcome == Outcome.Unknown ? invoke + random.Next(0, 4) : complete;
            var op = new Operation(client + 1, kind, keys[random.Next(keys.Length)], value, null, invoke,
                outcome == Outcome.Unknown ? Operation.Never : complete, outcome);
            planned.Add((op, at));
        }
        var history = Apply(planned);
        if (random.Next(2) == 0 && history.FindIndex(o => o.Kind == OperationKind.Get) is var get and >= 0)
        {
            history[get] = history[get] with { Output = Values[random.Next(Values.Length)] };
        }
        return history;
    }

    /// <summary>
    /// A long history of a real atomic register: clients run one operation at a time, each taking effect at a random
    /// tick inside its interval (ties broken by order), so it is linearizable by construction. About 2% of operations
    /// end unknown (taking effect up to 400 ticks later, or never) and 1% fail (never taking effect).
    /// </summary>
    private static List<Operation> RegisterHistory(Random random, int operations, int clients, string[] keys)
    {
        var free = new long[clients];
        var planned = new List<(Operation Op, double? At)>();
        for (var i = 0; i < operations; i++)
        {
            var client = Array.IndexOf(free, free.Min());
            var invoke = free[client] + random.Next(0, 5);
            var complete = invoke + random.Next(1, 40);
            var roll = random.Next(100);
            var kind = roll < 45 ? OperationKind.Get : roll < 80 ? OperationKind.Put : OperationKind.Append;
            var value = kind switch
            {
                OperationKind.Put => $"{client}:{i}",
                OperationKind.Append => ((char)('a' + random.Next(26))).ToString(),
                _ => null,
            };
            roll = random.Next(100);
            var outcome = roll < 2 ? Outcome.Unknown : roll < 3 ? Outcome.Failed : Outcome.Ok;
            double? at = outcome switch
            {
                Outcome.Ok => random.Next((int)invoke, (int)complete + 1),
                Outcome.Unknown when random.Next(2) == 0 => random.Next((int)invoke, (int)invoke + 400),
                _ => null,
            };
            free[client] = outcome == Outcome.Unknown ? invoke + random.Next(20, 60) : complete;
            planned.Add((new Operation(client + 1, kind, keys[random.Next(keys.Length)], value, null, invoke,
                outcome == Outcome.Unknown ? Operation.Never : complete, outcome), at));
        }
        return Apply(planned);
    }

    /// <summary>Runs the operations that take effect in the order of their instants, filling in what each get returned.</summary>
    private static List<Operation> Apply(List<(Operation Op, double? At)> planned)
    {
        var store = new Dictionary<string, string>();
        var outputs = new Dictionary<int, string?>();
        foreach (var (i, (op, at)) in planned.Index().Where(p => p.Item.At is not null).OrderBy(p => p.Item.At).ThenBy(p => p.Index).Select(p => (p.Index, p.Item)))
        {
            switch (op.Kind)
            {
                case OperationKind.Get:
                    outputs[i] = store.GetValueOrDefault(op.Key);
                    break;
                case OperationKind.Put:
                    store[op.Key] = op.Value!;
                    break;
                default:
                    store[op.Key] = store.GetValueOrDefault(op.Key, "") + op.Value;
                    break;
            }
        }
        return [.. planned.Select((p, i) => p.Op.Kind == OperationKind.Get && p.Op.Outcome == Outcome.Ok
            ? p.Op with { Output = outputs.GetValueOrDefault(i) }
            : p.Op)];
    }

    /// <summary>
    /// Linearizable by exhaustion, over all keys at once (so the checker's split by key is checked too): some order of
    /// the ok operations and any of the unknown writes, each placed after every ok operation that completed before it
    /// began, through which every get returns what the store holds.
    /// </summary>
    private static bool BruteForce(IReadOnlyList<Operation> history)
    {
        var ops = history.Where(o => o.Outcome == Outcome.Ok || o.Outcome == Outcome.Unknown && o.Kind != OperationKind.Get).ToList();
        var placed = new bool[ops.Count];
        bool Search(ImmutableDictionary<string, string> store, int okLeft)
        {
            if (okLeft == 0)
            {
                return true;
            }
            for (var i = 0; i < ops.Count; i++)
            {
                var op = ops[i];
                if (placed[i] || ops.Where((o, j) => !placed[j] && o.Outcome == Outcome.Ok && o.Complete < op.Invoke).Any())
                {
                    continue;
                }
                var now = store.GetValueOrDefault(op.Key);
                if (op.Kind == OperationKind.Get && op.Output != now)
                {
                    continue;
                }
                var next = op.Kind switch
                {
                    OperationKind.Put => store.SetItem(op.Key, op.Value!),
                    OperationKind.Append => store.SetItem(op.Key, (now ?? "") + op.Value),
                    _ => store,
                };
                placed[i] = true;
                if (Search(next, okLeft - (op.Outcome == Outcome.Ok ? 1 : 0)))
                {
                    return true;
                }
                placed[i] = false;
            }
            return false;
        }
        return Search(ImmutableDictionary<string, string>.Empty, ops.Count(o => o.Outcome == Outcome.Ok));
    }

    /// <summary>
    /// Whether <paramref name="order"/> explains <paramref name="operations"/>: every ok operation once, unknown writes at
    /// most once, nothing failed, real-time order kept, and each get returning the value at its place.
    /// </summary>
    private static bool IsOrderOf(IReadOnlyList<Operation> order, IReadOnlyList<Operation> operations)
    {
        var okOps = operations.Where(o => o.Outcome == Outcome.Ok).ToHashSet(ReferenceEqualityComparer.Instance);
        if (order.Distinct(ReferenceEqualityComparer.Instance).Count() != order.Count || !okOps.IsSubsetOf(order)
            || order.Any(o => o.Outcome == Outcome.Failed || o.Outcome == Outcome.Unknown && o.Kind == OperationKind.Get)
            || !order.All(o => operations.Contains(o, ReferenceEqualityComparer.Instance)))
        {
            return false;
        }
        string? value = null;
        for (var i = 0; i < order.Count; i++)
        {
            // Nothing later in the order may have completed before this one began.
            if (order.Skip(i + 1).Any(later => later.Outcome == Outcome.Ok && later.Complete < order[i].Invoke))
            {
                return false;
            }
            switch (order[i].Kind)
            {
                case OperationKind.Get when order[i].Output != value:
                    return false;
                case OperationKind.Put:
                    value = order[i].Value;
                    break;
                case OperationKind.Append:
                    value = (value ?? "") + order[i].Value;
                    break;
            }
        }
        return true;
    }
}
