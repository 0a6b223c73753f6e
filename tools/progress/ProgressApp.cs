using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Course;

namespace Progress;

/// <summary>
/// The learner's progress tool, in the spirit of rustlings: where you stand, why a gate fails, a hint,
/// your code beside the reference, and a fresh start. Every command's arguments are checked; a wrong one
/// gets a sentence and exit code 2.
/// </summary>
public sealed class ProgressApp(string root, TextWriter output, TextWriter error)
{
    public const string Usage = """
        usage: dotnet run --project tools/progress -- <command>

          status          a table of the chapters: which gates pass, which chapter is yours now (the default)
          check N         run chapter N's gate on your code and explain each failure
          hint N          a hint for each TODO of chapter N, and which are still open
          compare N       your code beside the reference: the gate on both, then a diff of the files
          reset N         put chapter N's starter back (your files are backed up first)

        Add --against solutions to status, check or compare to run the reference solutions instead (for instructors).
        """;

    private readonly CourseManifest _course = CourseManifest.Load(root);

    private string StateDir => Path.Combine(root, ".progress");

    public int Run(string[] args)
    {
        var list = args.ToList();
        var against = "chapters";
        var at = list.IndexOf("--against");
        if (at >= 0)
        {
            if (at + 1 >= list.Count || list[at + 1] is not ("chapters" or "solutions"))
            {
                return Fail("--against takes `chapters` (your code) or `solutions` (the reference).");
            }
            against = list[at + 1];
            list.RemoveRange(at, 2);
        }
        return list switch
        {
            [] or ["status"] => Status(against),
            ["help" or "--help" or "-h"] => Help(),
            ["check", var n] => WithChapter("check", n, ch => Check(ch, against)),
            ["hint", var n] => WithChapter("hint", n, Hint),
            ["compare", var n] => WithChapter("compare", n, Compare),
            ["reset", var n] => WithChapter("reset", n, Reset),
            ["check" or "hint" or "compare" or "reset"] => Fail($"`{list[0]}` needs a chapter number, like `{list[0]} 1`."),
            ["check" or "hint" or "compare" or "reset", _, ..] => Fail($"`{list[0]}` takes one chapter number; got `{string.Join(' ', list.Skip(1))}`."),
            [var unknown, ..] => Fail($"`{unknown}` is not a command."),
        };
    }

    private int Help()
    {
        output.WriteLine(Usage);
        return 0;
    }

    private int Fail(string sentence)
    {
        error.WriteLine($"progress: {sentence}");
        error.WriteLine();
        error.WriteLine(Usage);
        return 2;
    }

    private int WithChapter(string command, string text, Func<Chapter, int> action)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1 || number > _course.Chapters.Count)
        {
            return Fail($"`{command} {text}`: the chapter is a number from 1 to {_course.Chapters.Count}.");
        }
        var chapter = _course[number];
        if (!chapter.Ready)
        {
            var ready = _course.Available.Select(c => c.Number).ToList();
            return Fail($"Chapter {number} ({chapter.Title}) is not written yet; the chapters ready now are {string.Join(", ", ready)}.");
        }
        return action(chapter);
    }

    // ---- status ----

    private int Status(string against)
    {
        output.WriteLine("Raft, step by step: your progress" + (against == "solutions" ? " (reference solutions)" : ""));
        output.WriteLine();
        Chapter? current = null;
        var rows = new List<(Chapter Chapter, string State)>();
        foreach (var ch in _course.Chapters)
        {
            if (!ch.Ready)
            {
                rows.Add((ch, "not written yet"));
                continue;
            }
            if (current is not null)
            {
                rows.Add((ch, "locked: finish chapter " + current.Number + " first"));
                continue;
            }
            var summary = Summary(ch, against);
            if (summary is null)
            {
                rows.Add((ch, "does not build: run `check " + ch.Number + "`"));
                current = ch;
            }
            else if (summary.Value.Failed == 0)
            {
                rows.Add((ch, $"done: {summary.Value.Passed}/{summary.Value.Total} tests pass"));
            }
            else
            {
                rows.Add((ch, $"current: {summary.Value.Passed}/{summary.Value.Total} tests pass"));
                current = ch;
            }
        }
        output.WriteLine($"  {"#",-2} {"chapter",-22} {"paper",-22} gate");
        foreach (var (ch, state) in rows)
        {
            var mark = state.StartsWith("done", StringComparison.Ordinal) ? "✓" : state.StartsWith("current", StringComparison.Ordinal) || state.StartsWith("does not", StringComparison.Ordinal) ? "→" : " ";
            output.WriteLine($"{mark} {ch.Number,-2} {ch.Title,-22} {ch.Paper,-22} {state}");
        }
        output.WriteLine();
        if (current is not null)
        {
            output.WriteLine($"You are on chapter {current.Number}, {current.Title}. Read {current.Notebook}, fill in the TODO(ch{current.Nn}) stubs in {current.StarterDir}/,");
            output.WriteLine($"then `dotnet run --project tools/progress -- check {current.Number}` (or `dotnet test tests/{current.Slug}`). Stuck? `hint {current.Number}`.");
        }
        else
        {
            output.WriteLine("Every chapter that is written is done. Compare your code with the reference: `compare N`.");
        }
        return 0;
    }

    /// <summary>The gate's counts for a chapter, from the cache when nothing it depends on has changed.</summary>
    private (int Passed, int Failed, int Total)? Summary(Chapter ch, string against)
    {
        var key = $"{ch.Slug}:{against}:{Fingerprint(ch, against)}";
        var cacheFile = Path.Combine(StateDir, "status.json");
        var cache = File.Exists(cacheFile)
            ? TryRead(cacheFile) ?? new Dictionary<string, int[]>()
            : new Dictionary<string, int[]>();
        if (cache.TryGetValue(key, out var hit) && hit.Length == 3)
        {
            return (hit[0], hit[1], hit[2]);
        }
        error.WriteLine($"Running chapter {ch.Number}'s gate ({(against == "chapters" ? "your code" : "reference")}); the first run also builds it...");
        var (results, _) = Commands.RunGate(root, ch, against, Path.Combine(StateDir, "results", ch.Slug, against));
        if (results is null)
        {
            return null;
        }
        var passed = results.Count(r => r.Passed);
        cache[key] = [passed, results.Count - passed, results.Count];
        Directory.CreateDirectory(StateDir);
        File.WriteAllText(cacheFile, JsonSerializer.Serialize(cache));
        return (passed, results.Count - passed, results.Count);

        static Dictionary<string, int[]>? TryRead(string path)
        {
            try
            {
                return JsonSerializer.Deserialize<Dictionary<string, int[]>>(File.ReadAllText(path));
            }
            catch (JsonException)
            {
                return null; // a damaged cache only costs a rerun
            }
        }
    }

    /// <summary>A hash of every source file the chapter's gate result depends on.</summary>
    private string Fingerprint(Chapter ch, string against)
    {
        var dirs = new[] { against == "chapters" ? ch.StarterDir : ch.SolutionDir, "tests", "src" };
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var dir in dirs.Select(d => Path.Combine(root, d)).Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                         .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith("proj", StringComparison.Ordinal) || f.EndsWith(".props", StringComparison.Ordinal) || f.EndsWith(".targets", StringComparison.Ordinal))
                         .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                         .Order(StringComparer.Ordinal))
            {
                sha.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(root, file)));
                sha.AppendData(File.ReadAllBytes(file));
            }
        }
        return Convert.ToHexString(sha.GetHashAndReset())[..16];
    }

    // ---- check ----

    private int Check(Chapter ch, string against)
    {
        error.WriteLine($"Running chapter {ch.Number}'s gate on {(against == "chapters" ? ch.StarterDir : ch.SolutionDir)}...");
        var (results, buildOutput) = Commands.RunGate(root, ch, against, Path.Combine(StateDir, "results", ch.Slug, against));
        if (results is null)
        {
            output.WriteLine($"Chapter {ch.Number}'s gate did not run: the code does not build. The compiler says:");
            foreach (var line in buildOutput.Split('\n').Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Distinct().Take(20))
            {
                output.WriteLine("  " + line.Trim());
            }
            return 1;
        }
        var failed = results.Where(r => !r.Passed).ToList();
        foreach (var r in failed)
        {
            output.WriteLine($"✗ {r.Sentence}");
            output.WriteLine(Indent(Explain(ch, r)));
            output.WriteLine();
        }
        output.WriteLine($"{results.Count - failed.Count} of {results.Count} tests pass.");
        if (failed.Count == 0)
        {
            output.WriteLine($"Chapter {ch.Number} is done. Compare with the reference: `dotnet run --project tools/progress -- compare {ch.Number}`.");
            return 0;
        }
        var earlier = failed.Where(r => r.Chapter is { } c && c < ch.Number).ToList();
        if (earlier.Count > 0)
        {
            output.WriteLine($"{earlier.Count} of the failures are tests of earlier chapters: something that worked before broke.");
        }
        output.WriteLine($"Stuck? `dotnet run --project tools/progress -- hint {ch.Number}`.");
        return 1;
    }

    /// <summary>One failure, explained: a TODO not yet written, or the rule, seed, picture and replay the test printed.</summary>
    private static string Explain(Chapter ch, TestResult r)
    {
        var message = r.Message.Replace("\r", "", StringComparison.Ordinal);
        var todo = System.Text.RegularExpressions.Regex.Match(message, @"TODO\(ch(?<nn>\d{2})\) (?<id>\w+): (?<text>[^\n]+)");
        if (todo.Success)
        {
            return $"Not written yet: TODO {todo.Groups["id"].Value} (chapter {int.Parse(todo.Groups["nn"].Value, CultureInfo.InvariantCulture)}). {todo.Groups["text"].Value.Trim()}";
        }
        // Gate scenarios already explain themselves (rule, what happened, picture, replay): keep their
        // own lines, drop the inner exceptions' repetition and the exception type names, and never cut
        // the picture and replay lines.
        var lines = message.Split('\n').Select(l => l.TrimEnd())
            .TakeWhile(l => !l.StartsWith("----", StringComparison.Ordinal))
            .Where(l => l.Length > 0)
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"^[\w.]+(Exception) : ", ""))
            .ToList();
        var kept = lines.Take(12).ToList();
        kept.AddRange(lines.Skip(12).Where(l => l.StartsWith("Picture of the run", StringComparison.Ordinal) || l.StartsWith("Replay", StringComparison.Ordinal)));
        return string.Join('\n', kept);
    }

    private static string Indent(string text) => string.Join('\n', text.Split('\n').Select(l => "    " + l));

    // ---- hint ----

    private int Hint(Chapter ch)
    {
        var todos = new ChapterGenerator(_course).Todos(ch.Number);
        var starter = Path.Combine(root, ch.StarterDir);
        output.WriteLine($"Chapter {ch.Number}, {ch.Title} ({ch.Paper}): {todos.Count} TODOs");
        output.WriteLine();
        foreach (var todo in todos)
        {
            var where = FindStub(starter, ch, todo.Id);
            output.WriteLine(where is null ? $"✓ {todo.Id}: done (its stub is gone)" : $"• {todo.Id}: still to do, {where}");
            output.WriteLine(Indent(todo.Instruction));
            output.WriteLine(Indent("Hint: " + (ch.Hints.TryGetValue(todo.Id, out var hint) ? hint : "(none yet)")));
            output.WriteLine();
        }
        output.WriteLine($"The notebook {ch.Notebook} walks through the idea; the gate is `dotnet test tests/{ch.Slug}`.");
        return 0;
    }

    private string? FindStub(string dir, Chapter ch, string id)
    {
        if (!Directory.Exists(dir))
        {
            return null;
        }
        // The stub's comment reads `// TODO(chNN): Id: ...`; a throwing stub's message `TODO(chNN) Id: ...`.
        string[] markers = [$"TODO(ch{ch.Nn}): {id}:", $"TODO(ch{ch.Nn}) {id}:"];
        foreach (var file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (markers.Any(m => lines[i].Contains(m, StringComparison.Ordinal)))
                {
                    return $"{Path.GetRelativePath(root, file)}:{i + 1}";
                }
            }
        }
        return null;
    }

    // ---- compare ----

    private int Compare(Chapter ch)
    {
        error.WriteLine($"Running chapter {ch.Number}'s gate on your code and on the reference...");
        var (mine, _) = Commands.RunGate(root, ch, "chapters", Path.Combine(StateDir, "results", ch.Slug, "chapters"));
        var (reference, _) = Commands.RunGate(root, ch, "solutions", Path.Combine(StateDir, "results", ch.Slug, "solutions"));
        output.WriteLine($"{"yours",-6} {"ref",-4} test");
        var names = (mine ?? []).Select(r => r.Name).Union((reference ?? []).Select(r => r.Name)).Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var a = mine?.FirstOrDefault(r => r.Name == name);
            var b = reference?.FirstOrDefault(r => r.Name == name);
            output.WriteLine($"{Mark(a),-6} {Mark(b),-4} {(a ?? b)!.Sentence}");
        }
        if (mine is null)
        {
            output.WriteLine("(your code does not build, so none of its tests ran: `check " + ch.Number + "` shows the compiler's errors)");
        }
        output.WriteLine();
        output.WriteLine($"Your files ({ch.StarterDir}) against the reference ({ch.SolutionDir}); '-' reference, '+' yours:");
        var reference_ = Path.Combine(root, ch.SolutionDir);
        var yours = Path.Combine(root, ch.StarterDir);
        var files = SourceFiles(reference_).Union(SourceFiles(yours)).Order(StringComparer.Ordinal);
        var same = true;
        foreach (var rel in files)
        {
            var a = ReadLines(Path.Combine(reference_, rel)).Where(l => l != ChapterGenerator.SolutionHeader).ToArray();
            var b = ReadLines(Path.Combine(yours, rel));
            var hunks = LineDiff.Unified(a, b).ToList();
            if (hunks.Count == 0)
            {
                continue;
            }
            same = false;
            output.WriteLine($"--- {ch.SolutionDir}/{rel}");
            output.WriteLine($"+++ {ch.StarterDir}/{rel}");
            foreach (var line in hunks)
            {
                output.WriteLine(line);
            }
        }
        if (same)
        {
            output.WriteLine("(no differences in the C# files)");
        }
        return 0;

        static string Mark(TestResult? r) => r is null ? "-" : r.Passed ? "✓" : "✗";
        static string[] ReadLines(string path) => File.Exists(path) ? File.ReadAllLines(path) : [];
        static IEnumerable<string> SourceFiles(string dir) =>
            Directory.Exists(dir)
                ? Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
                    .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
                    .Where(f => !f.StartsWith("obj/", StringComparison.Ordinal) && !f.StartsWith("bin/", StringComparison.Ordinal))
                : [];
    }

    // ---- reset ----

    private int Reset(Chapter ch)
    {
        var dir = Path.Combine(root, ch.StarterDir);
        if (Directory.Exists(dir))
        {
            var backup = Path.Combine(StateDir, "backups", $"{ch.Slug}-{DateTime.Now:yyyyMMdd-HHmmss}");
            CopyWithoutBuildOutput(dir, backup);
            output.WriteLine($"Backed up {ch.StarterDir} to {Path.GetRelativePath(root, backup)}");
        }
        new ChapterGenerator(_course).Write(ch.Number, Variant.Starter, dir);
        output.WriteLine($"Put the starter of chapter {ch.Number} back in {ch.StarterDir}. Rebuild, and restart the notebook's kernel.");
        return 0;
    }

    private static void CopyWithoutBuildOutput(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, file);
            if (rel.StartsWith("bin", StringComparison.Ordinal) || rel.StartsWith("obj", StringComparison.Ordinal))
            {
                continue;
            }
            var target = Path.Combine(to, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
