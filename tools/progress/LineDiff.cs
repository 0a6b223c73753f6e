namespace Progress;

/// <summary>A small line diff (longest common subsequence), enough for comparing a chapter's files.</summary>
public static class LineDiff
{
    /// <summary>Unified-style hunks turning <paramref name="a"/> into <paramref name="b"/>, with <paramref name="context"/> lines around each change.</summary>
    public static IEnumerable<string> Unified(string[] a, string[] b, int context = 2)
    {
        // lcs[i, j] = length of the longest common subsequence of a[i..] and b[j..].
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }
        var ops = new List<(char Op, string Line)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                ops.Add((' ', a[x++]));
                y++;
            }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                ops.Add(('+', b[y++]));
            }
            else
            {
                ops.Add(('-', a[x++]));
            }
        }
        var show = new bool[ops.Count];
        for (var k = 0; k < ops.Count; k++)
        {
            if (ops[k].Op != ' ')
            {
                for (var c = Math.Max(0, k - context); c <= Math.Min(ops.Count - 1, k + context); c++)
                {
                    show[c] = true;
                }
            }
        }
        for (var k = 0; k < ops.Count; k++)
        {
            if (!show[k])
            {
                continue;
            }
            if (k > 0 && !show[k - 1])
            {
                yield return "@@";
            }
            yield return $"{ops[k].Op}{ops[k].Line}";
        }
    }
}
