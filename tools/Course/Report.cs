using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Course;

/// <summary>An open TODO as the learner's files show it: the stub comment `// TODO(chNN): Id: ...` is still there.</summary>
/// <param name="Method">The method the stub is in.</param>
public sealed record OpenTodo(int Chapter, string Id, string File, int Line, string Method = "");

/// <summary>
/// Turns a gate's results into what the learner reads: one line per open TODO with how many tests wait on it,
/// then each real failure once, as sentences (rule, what happened, where in your code, picture, replay).
/// Used by `check` and `watch` alike.
/// </summary>
public static partial class Report
{
    [GeneratedRegex(@"^\s*// TODO\(ch(?<nn>\d{2})\): (?<id>[A-Za-z][A-Za-z0-9]*):")]
    private static partial Regex StubComment();

    [GeneratedRegex(@"TODO\(ch(?<nn>\d{2})\) (?<id>[A-Za-z][A-Za-z0-9]*):")]
    private static partial Regex StubThrow();

    // A stack frame with a file: "at Raft.RaftNode.SendAppendEntries(Int32 peer) in /x/chapters/03-.../RaftNode.Replication.cs:line 52".
    [GeneratedRegex(@"at (?<method>[^\s(]+)\([^)]*\) in (?<file>.+?):line (?<line>\d+)")]
    private static partial Regex Frame();

    [GeneratedRegex(@"^\s*(public|private|internal|protected)\b[^=;]*?\b(?<name>\w+)\s*(<[^>]*>)?\(")]
    private static partial Regex MethodSignature();

    [GeneratedRegex(@"^[\w.`+]+(Exception) : ")]
    private static partial Regex TypePrefix();

    /// <summary>The TODOs of <paramref name="chapter"/> still open in <paramref name="dir"/>, in file order.</summary>
    public static IReadOnlyList<OpenTodo> OpenTodos(string dir, int chapter, string root)
    {
        var todos = new List<OpenTodo>();
        foreach (var file in SourceTree.Files(dir, f => f.EndsWith(".cs", StringComparison.Ordinal)))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (StubComment().Match(lines[i]) is { Success: true } m && int.Parse(m.Groups["nn"].Value, CultureInfo.InvariantCulture) == chapter)
                {
                    var method = Enumerable.Range(0, i + 1).Reverse().Select(k => MethodSignature().Match(lines[k])).FirstOrDefault(x => x.Success)?.Groups["name"].Value ?? "";
                    todos.Add(new OpenTodo(chapter, m.Groups["id"].Value, Path.GetRelativePath(root, file).Replace('\\', '/'), i + 1, method));
                }
            }
        }
        return todos;
    }

    /// <summary>The TODO whose stub threw in this test, if that is why it failed.</summary>
    public static string? ThrownTodo(TestResult r) => StubThrow().Match(r.Message) is { Success: true } m ? m.Groups["id"].Value : null;

    /// <summary>
    /// The learner's line where the failure started: the deepest frame in <paramref name="codeDir"/>, i.e. the
    /// first one listed, of the innermost exception that has one.
    /// </summary>
    public static (string File, int Line, string Method)? WhereInCode(TestResult r, string codeDir, string root)
    {
        var dir = Path.GetFullPath(codeDir).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        // Inner exceptions come last and are where it started.
        foreach (var part in r.StackTrace.Split("----- Inner Stack Trace -----").Reverse())
        {
            foreach (Match m in Frame().Matches(part))
            {
                var file = m.Groups["file"].Value.Trim();
                if (file.StartsWith(dir, StringComparison.Ordinal))
                {
                    var method = m.Groups["method"].Value;
                    return (Path.GetRelativePath(root, file).Replace('\\', '/'), int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture),
                        method[(method.LastIndexOf('.') + 1)..]);
                }
            }
        }
        return null;
    }

    /// <summary>
    /// The whole verdict for one gate run. <paramref name="open"/> are the chapter's open TODOs; <paramref name="todoText"/>
    /// gives each one's one-line statement of what must hold (from the course manifest), if known.
    /// </summary>
    public static string Render(Chapter ch, IReadOnlyList<TestResult> results, IReadOnlyList<OpenTodo> open, string codeDir, string root,
        Func<string, string?>? todoText = null, int maxFailures = int.MaxValue)
    {
        var sb = new StringBuilder();
        var failed = results.Where(r => r.Outcome == "Failed").ToList();
        var passed = results.Count(r => r.Passed);
        sb.Append(CultureInfo.InvariantCulture, $"Chapter {ch.Number}, {ch.Title}: {passed} of {results.Count} tests pass.\n");

        // 1. Tests that fail because a stub still throws, or while an open TODO's stand-in did its work: one line per TODO.
        var openIds = open.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        string? WaitsOn(TestResult r) => ThrownTodo(r) ?? r.StandIns.FirstOrDefault(openIds.Contains);
        var waiting = failed.GroupBy(r => WaitsOn(r) ?? "").Where(g => g.Key != "").ToDictionary(g => g.Key, g => g.Count());
        // A stand-in throws nothing, so its tests fail in their own words: they are shown, put down to their TODO.
        var real = failed.Where(r => ThrownTodo(r) is null).ToList();
        if (open.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\nOpen TODOs ({open.Count}):\n");
            var width = open.Max(t => t.Id.Length);
            foreach (var t in open)
            {
                var n = waiting.GetValueOrDefault(t.Id);
                var tests = n == 0 ? "" : n == 1 ? "  1 test waits on it" : $"  {n} tests wait on it";
                sb.Append(CultureInfo.InvariantCulture, $"  • {t.Id.PadRight(width)}  {t.File}:{t.Line}{tests}\n");
                // What must hold, for the first one: enough to start on without a wall of text.
                if (t == open[0] && todoText?.Invoke(t.Id) is { Length: > 0 } text)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"    {" ".PadRight(width)}  {text}\n");
                }
            }
        }

        // 2. Every other failure, once.
        if (real.Count > 0)
        {
            var heading = open.Count == 0 ? "Failures"
                : real.All(r => WaitsOn(r) is not null) ? "The first failures, each waiting on an open TODO"
                : "Tests that fail for another reason";
            sb.Append(CultureInfo.InvariantCulture, $"\n{heading} ({real.Count}):\n");
            // Tests that fail the same way are one paragraph: the explanation once (the first test's, with its picture and
            // replay), under every test it explains. "The same way" leaves out what only names the test, its seed or a time.
            var groups = real.Select(r => (Result: r, Text: Explain(r, codeDir, root, open)))
                .GroupBy(x => Shape(x.Text)).ToList();
            foreach (var group in groups.Take(maxFailures))
            {
                sb.Append('\n');
                foreach (var (r, _) in group)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"✗ {r.Sentence}{(r.Chapter is { } c && c < ch.Number ? $" (a chapter {c} test)" : "")}\n");
                }
                var text = group.First().Text;
                sb.Append(Indent(group.Count() > 1 ? text.Replace("Picture of the run:", "Picture of the first one's run:", StringComparison.Ordinal)
                    .Replace("Replay exactly this run:", "Replay the first one:", StringComparison.Ordinal) : text)).Append('\n');
            }
            if (groups.Count > maxFailures)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\n…and {groups.Skip(maxFailures).Sum(g => g.Count())} more: `dotnet run --project tools/progress -- check {ch.Number}` lists them all.\n");
            }
        }

        sb.Append('\n');
        if (failed.Count == 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Chapter {ch.Number} is green.\n");
            return sb.ToString();
        }
        var earlier = real.Count(r => r.Chapter is { } c && c < ch.Number);
        if (earlier > 0 && open.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"{earlier} of these are earlier chapters' tests. The untouched starter passes them all, so they most likely wait on a TODO still open ({string.Join(", ", open.Select(t => t.Id))}): a half-written chapter can leave state that the code you wrote relies on unset.\n");
        }
        else if (earlier > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{earlier} of these are earlier chapters' tests, and every TODO is written: something that worked before broke.\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"Stuck? `dotnet run --project tools/progress -- hint {ch.Number}` gives the next hint.\n");
        return sb.ToString();
    }

    [GeneratedRegex(@"\d+")]
    private static partial Regex Number();

    /// <summary>What an explanation says, without what only names its test: its first line, the picture, the replay, numbers.</summary>
    private static string Shape(string explanation) =>
        string.Join('\n', explanation.Split('\n').Where(l => !l.StartsWith("Picture of the run", StringComparison.Ordinal)
                && !l.StartsWith("Replay exactly this run", StringComparison.Ordinal) && !l.Contains(": failed with seed", StringComparison.Ordinal))
            .Select(l => Number().Replace(l, "#")));

    /// <summary>One failure in sentences: the gate's own lines (rule, what happened, picture, replay), and where in your code it was thrown.</summary>
    public static string Explain(TestResult r, string codeDir, string root, IReadOnlyList<OpenTodo> open)
    {
        var message = r.Message.Replace("\r", "", StringComparison.Ordinal);
        var own = string.Join('\n', message.Split('\n').TakeWhile(l => !l.StartsWith("----", StringComparison.Ordinal)));
        var lines = Raft.Gate.AssertionText.SentenceFirst(TypePrefix().Replace(own, "")).Split('\n').Select(l => l.TrimEnd())
            .Where(l => l.Length > 0)
            .ToList();
        var kept = lines.Take(14).ToList();
        kept.AddRange(lines.Skip(14).Where(l => l.StartsWith("Picture of the run", StringComparison.Ordinal) || l.StartsWith("Replay", StringComparison.Ordinal)));

        // An exception from the learner's own code (not a failed check): say where, and what it was.
        var where = WhereInCode(r, codeDir, root);
        // The deepest exception of the chain, if it is not a failed check (Shouldly) or the gate's own wrapping.
        var chain = message.Split('\n').Select(l => l.Trim().StartsWith("---- ", StringComparison.Ordinal) ? l.Trim()[5..] : l.Trim())
            .Where(l => TypePrefix().IsMatch(l)).ToList();
        var deepest = chain.Count > 0 ? chain[^1] : null;
        var thrown = deepest is null || deepest.StartsWith("Shouldly.", StringComparison.Ordinal) || deepest.StartsWith("Raft.Gate.", StringComparison.Ordinal)
                     || deepest.StartsWith("Raft.Simulation.SimulationFailedException", StringComparison.Ordinal)
            ? null
            : deepest;
        if (where is null && thrown is not null && own.Length > 0 && TypePrefix().IsMatch(own.Split('\n')[0])
            && !own.StartsWith("System.NotImplementedException", StringComparison.Ordinal))
        {
            // Not a failed check and not your code: the check itself threw (a null where it expected a value, say).
            var at = Frame().Match(r.StackTrace) is { Success: true } f ? $"{Path.GetFileName(f.Groups["file"].Value)}:{f.Groups["line"].Value}" : "(no line known)";
            kept[0] = $"The check itself broke with {thrown.Replace(" : ", " (", StringComparison.Ordinal)}) at {at}: your code most likely gave it something " +
                      "it did not expect (a null, a task that did not complete, an empty result). The test's name says what it checks.";
        }
        if (r.StandIns.Select(id => open.FirstOrDefault(t => t.Id == id)).OfType<OpenTodo>().FirstOrDefault() is { } standIn)
        {
            kept.Insert(Math.Min(1, kept.Count), $"It ran while TODO {standIn.Id} ({standIn.File}:{standIn.Line}) is still open: its stand-in keeps the earlier " +
                                                  $"chapters' behaviour, which this test checks against. Write {standIn.Id} first.");
        }
        if (where is { } w)
        {
            var what = thrown is null ? "" : ": " + thrown.Replace(" : ", ": ", StringComparison.Ordinal);
            kept.Insert(Math.Min(1, kept.Count), $"Thrown in your code at {w.File}:{w.Line} ({w.Method}){what}");
            if (open.FirstOrDefault(t => t.Method == w.Method) is { } here)
            {
                kept.Insert(Math.Min(2, kept.Count), $"That is in TODO {here.Id} ({here.File}:{here.Line}), still open: write it first.");
            }
            else if (open.Count > 0 && thrown is not null)
            {
                kept.Insert(Math.Min(2, kept.Count), $"TODOs still open: {string.Join(", ", open.Select(t => $"{t.Id} ({t.File}:{t.Line})"))}. Code you wrote may rely on state one of them sets up.");
            }
        }
        return string.Join('\n', kept);
    }

    private static string Indent(string text) => string.Join('\n', text.Split('\n').Select(l => "    " + l));
}
