using System.Diagnostics;

namespace Raft.Simulation.Linearizability;

/// <summary>
/// The Wing &amp; Gong search with Lowe's memoisation (the "WGL" algorithm of Porcupine) over one key's operations.
/// Every operation is a call event and, unless its outcome is unknown, a return event; all events sit in one time order,
/// calls before returns at the same tick (closed intervals: such operations are concurrent). The ok operations' events
/// form a doubly linked list; an operation is placed ("linearized") by lifting its call and return out of the list and
/// put back by unlifting them, dancing-links style, so undoing a choice costs O(1). The operations that may come next are
/// the calls before the first return still in the list: that return's operation must be placed before anything that
/// started after it finished. Reaching that return without having placed it means the choices so far lead nowhere, so
/// the search backtracks. Lowe's cache remembers each (set of placed operations, value) reached, so a configuration
/// reached along two different paths is explored once.
/// </summary>
/// <remarks>
/// Unknown operations have no return event: they may be placed any time after their call, or never. Porcupine gives them
/// a return at +infinity; here they sit in a second list and the search succeeds as soon as every ok operation is placed,
/// which is the same thing (a write can always be placed last, where nothing observes it) with fewer steps. At each point
/// the ok candidates are tried before the unknown ones, so an unknown write is placed only once the ok operations alone
/// cannot go on (where a later read needs it) rather than at the first chance, since most writes that timed out in a
/// test never happened. Any order of trying candidates finds the same verdict; this one only tends to find it sooner.
/// The search is an explicit stack, no recursion: a history of thousands of operations would overflow the thread's stack.
/// </remarks>
internal static class WglSearch
{
    public enum Verdict
    {
        Linearizable,
        NotLinearizable,
        GaveUp,
    }

    /// <summary>
    /// The deepest point a failing search reached: the indexes of the operations placed, in order, and what stopped it.
    /// Deepest means the most ok operations placed, then the fewest unknown ones: those surely happened, these only might have.
    /// </summary>
    public sealed record Deepest(int[] Prefix, string? State, int MustCome, int[] Others);

    /// <param name="Order">Indexes of a linearization when it passes.</param>
    /// <param name="Deepest">Where it got furthest (also set when it gave up).</param>
    /// <param name="LastStuck">The latest time of a return at which any path got stuck: operations invoked after it were never tried.</param>
    public sealed record Result(Verdict Verdict, int[]? Order, Deepest? Deepest, long LastStuck, long Steps, TimeSpan Elapsed, string? GaveUpBecause);

    // How often the clock is read: every step would cost more than the step itself.
    private const int ClockEvery = 1024;

    /// <param name="ops">Only the operations that matter: ok ones and unknown writes (failed ones and unknown gets dropped).</param>
    /// <param name="deadline">A <see cref="Stopwatch.GetTimestamp"/> after which it gives up; long.MaxValue for none.</param>
    /// <param name="maxSteps">Steps after which it gives up.</param>
    /// <param name="budgetText">How the budget reads in a give-up message.</param>
    public static Result Run(IReadOnlyList<Operation> ops, long deadline, long maxSteps, string budgetText)
    {
        var started = Stopwatch.GetTimestamp();
        var n = ops.Count;

        // Events in time order: calls before returns at the same tick, then by operation, so the order is deterministic.
        var events = new List<(long Time, int IsReturn, int Op)>(2 * n);
        for (var i = 0; i < n; i++)
        {
            events.Add((ops[i].Invoke, 0, i));
            if (ops[i].Outcome != Outcome.Unknown)
            {
                events.Add((ops[i].Complete, 1, i));
            }
        }
        events.Sort();

        // Nodes 0 and 1 head the list of ok events and the list of unknown calls; event k is node k + 2.
        const int Main = 0, Maybe = 1, None = -1;
        var size = events.Count + 2;
        var next = new int[size];
        var prev = new int[size];
        var opOf = new int[size];
        var isReturn = new bool[size];
        var match = new int[size];
        var time = new long[size];
        next[Main] = next[Maybe] = prev[Main] = prev[Maybe] = None;
        var tail = new[] { Main, Maybe };
        var callNode = new int[n];
        for (var k = 0; k < events.Count; k++)
        {
            var node = k + 2;
            var (at, ret, op) = events[k];
            (opOf[node], isReturn[node], time[node], match[node]) = (op, ret == 1, at, None);
            if (ret == 1)
            {
                match[callNode[op]] = node;
            }
            else
            {
                callNode[op] = node;
            }
            var list = ops[op].Outcome == Outcome.Unknown ? Maybe : Main;
            (next[tail[list]], prev[node], next[node]) = (node, tail[list], None);
            tail[list] = node;
        }

        // Zobrist hashing: the set of placed operations hashes as the XOR of one random word per operation, so placing
        // or removing one updates the hash in O(1) instead of rehashing the whole bitset.
        var zobrist = new ulong[n];
        var seed = 0x9E3779B97F4A7C15UL;
        for (var i = 0; i < n; i++)
        {
            zobrist[i] = SplitMix(ref seed);
        }
        var bits = new ulong[(n + 63) / 64];
        ulong setHash = 0;
        var cache = new HashSet<Configuration>(ConfigurationComparer.Instance);

        // The stack of choices: which node was placed, the value before it, and (for an unknown call) which return
        // bounded the window it was chosen from, to resume that window after it is undone.
        var stackNode = new int[n];
        var stackState = new Value[n];
        var stackWindow = new int[n];
        var depth = 0;
        var placedOk = 0;
        var state = Value.Missing;
        // Each operation's argument and output as hashed values, computed once: a step never touches a whole string.
        var argument = new Value[n];
        var output = new Value[n];
        for (var i = 0; i < n; i++)
        {
            argument[i] = Value.Of(ops[i].Value);
            output[i] = Value.Of(ops[i].Output);
        }

        Deepest? deepest = null;
        var deepestOk = 0;
        long lastStuck = long.MinValue;
        long steps = 0;

        var entry = next[Main];
        var window = None; // the first return still in the list, once the ok candidates before it are exhausted
        while (true)
        {
            if (next[Main] == None)
            {
                // Every ok operation is placed; unknown ones not placed simply never took effect.
                return new Result(Verdict.Linearizable, [.. stackNode.Take(depth).Select(node => opOf[node])], null, lastStuck, steps,
                    Stopwatch.GetElapsedTime(started), null);
            }
            steps++;
            if (steps > maxSteps || steps % ClockEvery == 0 && Stopwatch.GetTimestamp() > deadline)
            {
                var why = steps > maxSteps ? $"{maxSteps:N0} steps" : budgetText;
                return new Result(Verdict.GaveUp, null, WithState(deepest), lastStuck, steps, Stopwatch.GetElapsedTime(started), why);
            }

            if (window == None)
            {
                if (!isReturn[entry])
                {
                    entry = TryPlace(entry, None) ? next[Main] : next[entry];
                    continue;
                }
                // The ok candidates before this return are exhausted: now the unknown ones that started before it.
                window = entry;
                entry = next[Maybe];
                continue;
            }
            if (entry != None && Before(entry, window))
            {
                if (TryPlace(entry, window))
                {
                    (entry, window) = (next[Main], None);
                }
                else
                {
                    entry = next[entry];
                }
                continue;
            }

            // Stuck: the window's operation must come before anything else left, and nothing placeable here leads on.
            lastStuck = Math.Max(lastStuck, time[window]);
            // Deepest counts the operations that surely happened: an order padded with unknown writes is not further along.
            if (deepest is null || placedOk > deepestOk || placedOk == deepestOk && depth - placedOk < deepest.Prefix.Length - deepestOk)
            {
                deepestOk = placedOk;
                deepest = Snapshot(window);
            }
            if (depth == 0)
            {
                return new Result(Verdict.NotLinearizable, null, WithState(deepest), lastStuck, steps, Stopwatch.GetElapsedTime(started), null);
            }
            depth--;
            var undone = stackNode[depth];
            state = stackState[depth];
            bits[opOf[undone] >> 6] &= ~(1UL << opOf[undone]);
            setHash ^= zobrist[opOf[undone]];
            Unlift(undone);
            placedOk -= match[undone] == None ? 0 : 1;
            // Resume the window the undone choice came from, at the candidate after it.
            window = match[undone] == None ? stackWindow[depth] : None;
            entry = next[undone];
        }

        // Whether an unknown call started before the window's return (events are numbered in time order).
        static bool Before(int call, int ret) => call < ret;

        bool TryPlace(int node, int fromWindow)
        {
            var op = opOf[node];
            Value after;
            switch (ops[op].Kind)
            {
                case OperationKind.Put:
                    after = argument[op];
                    break;
                case OperationKind.Append:
                    after = state.Append(argument[op]);
                    break;
                default:
                    if (!state.Equals(output[op]))
                    {
                        return false;
                    }
                    after = state;
                    break;
            }
            bits[op >> 6] |= 1UL << op;
            var hash = setHash ^ zobrist[op];
            var probe = new Configuration(bits, after, hash);
            if (cache.Contains(probe))
            {
                // This set of operations has already led to this value along another path, and that path got nowhere.
                bits[op >> 6] &= ~(1UL << op);
                return false;
            }
            cache.Add(probe with { Bits = (ulong[])bits.Clone() });
            (stackNode[depth], stackState[depth], stackWindow[depth]) = (node, state, fromWindow);
            depth++;
            state = after;
            setHash = hash;
            Lift(node);
            placedOk += match[node] == None ? 0 : 1;
            return true;
        }

        void Lift(int node)
        {
            Remove(node);
            if (match[node] != None)
            {
                Remove(match[node]);
            }
        }

        // The exact reverse of Lift: the return goes back first, so each node's neighbours are the ones it left.
        void Unlift(int node)
        {
            if (match[node] != None)
            {
                Insert(match[node]);
            }
            Insert(node);
        }

        void Remove(int node)
        {
            next[prev[node]] = next[node];
            if (next[node] != None)
            {
                prev[next[node]] = prev[node];
            }
        }

        void Insert(int node)
        {
            next[prev[node]] = node;
            if (next[node] != None)
            {
                prev[next[node]] = node;
            }
        }

        Deepest Snapshot(int stuckAt)
        {
            var others = new List<int>();
            for (var e = next[Main]; e != stuckAt; e = next[e])
            {
                if (!isReturn[e] && opOf[e] != opOf[stuckAt])
                {
                    others.Add(opOf[e]);
                }
            }
            for (var e = next[Maybe]; e != None && Before(e, stuckAt); e = next[e])
            {
                others.Add(opOf[e]);
            }
            return new Deepest([.. stackNode.Take(depth).Select(node => opOf[node])], null, opOf[stuckAt], [.. others]);
        }

        // The value after the deepest prefix, as text, computed once at the end by replaying it (the search keeps only hashes).
        Deepest? WithState(Deepest? d)
        {
            if (d is null)
            {
                return null;
            }
            string? text = null;
            var builder = new System.Text.StringBuilder();
            foreach (var i in d.Prefix)
            {
                switch (ops[i].Kind)
                {
                    case OperationKind.Put:
                        builder.Clear().Append(ops[i].Value);
                        text = "";
                        break;
                    case OperationKind.Append:
                        builder.Append(ops[i].Value);
                        text = "";
                        break;
                }
            }
            return d with { State = text is null ? null : builder.ToString() };
        }
    }

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private readonly record struct Configuration(ulong[] Bits, Value State, ulong SetHash);

    private sealed class ConfigurationComparer : IEqualityComparer<Configuration>
    {
        public static readonly ConfigurationComparer Instance = new();

        public bool Equals(Configuration x, Configuration y) =>
            x.SetHash == y.SetHash && x.State.Equals(y.State) && x.Bits.AsSpan().SequenceEqual(y.Bits);

        public int GetHashCode(Configuration c) => HashCode.Combine(c.SetHash, c.State);
    }

    /// <summary>
    /// A key's value as the search sees it: missing, or a string known by its length and two polynomial hashes (one modulo
    /// the prime 2^61-1, one modulo 2^64, with different bases), so an append and a comparison cost O(1) however long the
    /// value grows; a history of thousands of appends would otherwise copy and hash ever longer strings at every step.
    /// Two different strings of one length collide in both hashes with a chance far below one in 2^100.
    /// </summary>
    private readonly record struct Value(bool IsMissing, long Length, ulong H1, ulong H2, ulong Pow1, ulong Pow2)
    {
        private const ulong Prime = (1UL << 61) - 1, Base1 = 1_000_003, Base2 = 0x100000001B3;

        public static readonly Value Missing = new(true, 0, 0, 0, 1, 1);

        // Equality ignores the powers: they follow from the length.
        public bool Equals(Value other) => IsMissing == other.IsMissing && Length == other.Length && H1 == other.H1 && H2 == other.H2;

        public override int GetHashCode() => HashCode.Combine(IsMissing, Length, H1, H2);

        public static Value Of(string? text)
        {
            if (text is null)
            {
                return Missing;
            }
            ulong h1 = 0, h2 = 0, p1 = 1, p2 = 1;
            foreach (var c in text)
            {
                h1 = Add(MulMod(h1, Base1), (ulong)c + 1);
                h2 = h2 * Base2 + (ulong)c + 1;
                p1 = MulMod(p1, Base1);
                p2 *= Base2;
            }
            return new Value(false, text.Length, h1, h2, p1, p2);
        }

        /// <summary>This value (missing reads as "") followed by <paramref name="suffix"/>.</summary>
        public Value Append(Value suffix) =>
            IsMissing ? suffix with { IsMissing = false }
            : new Value(false, Length + suffix.Length, Add(MulMod(H1, suffix.Pow1), suffix.H1), H2 * suffix.Pow2 + suffix.H2,
                MulMod(Pow1, suffix.Pow1), Pow2 * suffix.Pow2);

        private static ulong MulMod(ulong a, ulong b)
        {
            var product = (UInt128)a * b;
            var folded = (ulong)(product & Prime) + (ulong)(product >> 61); // below 2 * Prime + 1
            folded = folded >= Prime ? folded - Prime : folded;
            return folded >= Prime ? folded - Prime : folded;
        }

        private static ulong Add(ulong a, ulong b)
        {
            var sum = a + b;
            return sum >= Prime ? sum - Prime : sum;
        }
    }
}
