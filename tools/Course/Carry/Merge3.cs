namespace Course.Carry;

/// <summary>One stretch of a three-way merge's result.</summary>
/// <param name="Lines">What the result holds here.</param>
/// <param name="Conflict">True where both sides changed the same lines of the base differently; <see cref="Lines"/> is then the
/// side the caller chose, and <see cref="Base"/>, <see cref="Ours"/>, <see cref="Theirs"/> what each held.</param>
/// <param name="TheirsAt">Where <see cref="Theirs"/> starts in their file (0-based line), for a message.</param>
public sealed record MergeChunk(IReadOnlyList<string> Lines, bool Conflict = false, IReadOnlyList<string>? Base = null,
    IReadOnlyList<string>? Ours = null, IReadOnlyList<string>? Theirs = null, int TheirsAt = 0);

/// <summary>
/// A line-based three-way merge (diff3): from a common ancestor (base), take every change either side made; where both
/// changed the same lines the same way, take it once; where they changed them differently, it is a conflict, and the
/// caller's resolver decides. Lines of the base that both sides kept anchor the merge.
/// </summary>
public static class Merge3
{
    /// <param name="resolve">Decides a conflict: given base, ours and theirs, the lines to keep.</param>
    public static IReadOnlyList<MergeChunk> Merge(IReadOnlyList<string> @base, IReadOnlyList<string> ours, IReadOnlyList<string> theirs,
        Func<IReadOnlyList<string>, IReadOnlyList<string>, IReadOnlyList<string>, IReadOnlyList<string>> resolve)
    {
        var inOurs = Match(@base, ours);
        var inTheirs = Match(@base, theirs);
        var chunks = new List<MergeChunk>();
        var stable = new List<string>();
        int i = 0, o = 0, t = 0;
        while (i < @base.Count || o < ours.Count || t < theirs.Count)
        {
            if (i < @base.Count && inOurs[i] == o && inTheirs[i] == t)
            {
                stable.Add(@base[i]);
                i++;
                o++;
                t++;
                continue;
            }
            // The next base line both sides kept: the changed stretch ends there.
            var j = i;
            while (j < @base.Count && (inOurs[j] < 0 || inTheirs[j] < 0))
            {
                j++;
            }
            var oEnd = j < @base.Count ? inOurs[j] : ours.Count;
            var tEnd = j < @base.Count ? inTheirs[j] : theirs.Count;
            var b = Slice(@base, i, j);
            var x = Slice(ours, o, oEnd);
            var y = Slice(theirs, t, tEnd);
            if (stable.Count > 0)
            {
                chunks.Add(new MergeChunk([.. stable]));
                stable.Clear();
            }
            if (x.SequenceEqual(b))
            {
                chunks.Add(new MergeChunk(y));
            }
            else if (y.SequenceEqual(b) || x.SequenceEqual(y))
            {
                chunks.Add(new MergeChunk(x));
            }
            else
            {
                chunks.Add(new MergeChunk(resolve(b, x, y), true, b, x, y, t));
            }
            i = j;
            o = oEnd;
            t = tEnd;
        }
        if (stable.Count > 0)
        {
            chunks.Add(new MergeChunk([.. stable]));
        }
        return chunks;
    }

    private static List<string> Slice(IReadOnlyList<string> lines, int from, int to) => [.. lines.Skip(from).Take(to - from)];

    /// <summary>
    /// For each line of <paramref name="a"/>, the line of <paramref name="b"/> it stays as in a longest common subsequence,
    /// or -1 if it was removed. Lines that occur once in both (braces and blank lines do not) anchor the match first,
    /// as patience diff does, so that a rewritten method body does not borrow the braces of its neighbours.
    /// </summary>
    public static int[] Match(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var result = Enumerable.Repeat(-1, a.Count).ToArray();
        MatchRange(a, b, 0, a.Count, 0, b.Count, result);
        return result;
    }

    private static void MatchRange(IReadOnlyList<string> a, IReadOnlyList<string> b, int a0, int a1, int b0, int b1, int[] result)
    {
        // Equal lines at the start match outright. Not at the end: there a closing brace would pair with the last of
        // several (a helper the learner added after a method), and the helper would join the method's changed lines;
        // the LCS below pairs each line with its earliest equal, so an added member stays an addition.
        while (a0 < a1 && b0 < b1 && a[a0] == b[b0])
        {
            result[a0++] = b0++;
        }
        if (a0 >= a1 || b0 >= b1)
        {
            return;
        }
        // Patience: lines unique in both ranges, in an increasing run, split the problem.
        var anchors = UniqueAnchors(a, b, a0, a1, b0, b1);
        if (anchors.Count > 0)
        {
            var (pa, pb) = (a0, b0);
            foreach (var (x, y) in anchors)
            {
                MatchRange(a, b, pa, x, pb, y, result);
                result[x] = y;
                (pa, pb) = (x + 1, y + 1);
            }
            MatchRange(a, b, pa, a1, pb, b1, result);
            return;
        }
        Lcs(a, b, a0, a1, b0, b1, result);
    }

    private static List<(int A, int B)> UniqueAnchors(IReadOnlyList<string> a, IReadOnlyList<string> b, int a0, int a1, int b0, int b1)
    {
        static Dictionary<string, (int Count, int At)> Counts(IReadOnlyList<string> lines, int from, int to)
        {
            var counts = new Dictionary<string, (int Count, int At)>(StringComparer.Ordinal);
            for (var k = from; k < to; k++)
            {
                counts[lines[k]] = counts.TryGetValue(lines[k], out var c) ? (c.Count + 1, c.At) : (1, k);
            }
            return counts;
        }
        var inA = Counts(a, a0, a1);
        var inB = Counts(b, b0, b1);
        var pairs = inA.Where(p => p.Value.Count == 1 && p.Key.Trim().Length > 1 && inB.TryGetValue(p.Key, out var q) && q.Count == 1)
            .Select(p => (A: p.Value.At, B: inB[p.Key].At)).OrderBy(p => p.A).ToList();
        // The longest run increasing in B (patience sorting).
        var tails = new List<int>();
        var previous = new int[pairs.Count];
        for (var k = 0; k < pairs.Count; k++)
        {
            int lo = 0, hi = tails.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (pairs[tails[mid]].B < pairs[k].B)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }
            previous[k] = lo > 0 ? tails[lo - 1] : -1;
            if (lo == tails.Count)
            {
                tails.Add(k);
            }
            else
            {
                tails[lo] = k;
            }
        }
        var run = new List<(int, int)>();
        for (var k = tails.Count > 0 ? tails[^1] : -1; k >= 0; k = previous[k])
        {
            run.Add(pairs[k]);
        }
        run.Reverse();
        return run;
    }

    private static void Lcs(IReadOnlyList<string> a, IReadOnlyList<string> b, int a0, int a1, int b0, int b1, int[] result)
    {
        var n = a1 - a0;
        var m = b1 - b0;
        var table = new int[n + 1, m + 1];
        for (var x = n - 1; x >= 0; x--)
        {
            for (var y = m - 1; y >= 0; y--)
            {
                table[x, y] = a[a0 + x] == b[b0 + y] ? table[x + 1, y + 1] + 1 : Math.Max(table[x + 1, y], table[x, y + 1]);
            }
        }
        for (int x = 0, y = 0; x < n && y < m;)
        {
            if (a[a0 + x] == b[b0 + y])
            {
                result[a0 + x] = b0 + y;
                x++;
                y++;
            }
            else if (table[x + 1, y] >= table[x, y + 1])
            {
                x++;
            }
            else
            {
                y++;
            }
        }
    }
}
