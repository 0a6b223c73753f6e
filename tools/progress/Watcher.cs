using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Course;
using Course.FastGate;

namespace Progress;

/// <summary>
/// rustlings' watch, for Raft: it runs the current chapter's gate whenever a file of that chapter is saved and prints a
/// short verdict (how many tests pass, the open TODOs, the first real failure with its rule, seed, picture and replay).
/// The gate runs in process (<see cref="FastGate"/>), so a verdict follows a save in about a second. When the chapter
/// turns green, `dotnet test` confirms it and the watch moves on to the next chapter.
/// </summary>
public sealed class Watcher(CourseManifest course, TextWriter output, TextWriter error, string against, bool noConfirm)
{
    private readonly FastGate _gate = new(course);
    private int _verdicts;

    /// <param name="start">
    /// The chapter to watch, and stay on once green (the learner chose it); null for the first ready chapter whose gate
    /// is not green, moving on to the next chapter each time one turns green.
    /// </param>
    /// <param name="once">Give one verdict and return: 0 if green, 1 if not.</param>
    public int Run(Chapter? start, bool once)
    {
        var chapter = start ?? _gate.FirstNotGreen(against, once ? null : ch => error.WriteLine($"Checking chapter {ch.Number}... (the first time, `dotnet build` builds its gate)"));
        if (chapter is null)
        {
            output.WriteLine("Every chapter that is written is green. `dotnet run --project tools/progress -- status` shows them all.");
            return 0;
        }
        foreach (var c in course.Available)
        {
            _gate.Clean(c);
        }
        if (once)
        {
            return Verdict(chapter).Green ? 0 : 1;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        var confirmed = new HashSet<int>();
        var announced = false;
        while (!stop.IsCancellationRequested)
        {
            var run = Verdict(chapter);
            if (run.Green && (confirmed.Contains(chapter.Number) || Confirm(chapter)))
            {
                confirmed.Add(chapter.Number);
                var next = start is null ? course.Available.FirstOrDefault(c => c.Number > chapter.Number) : null;
                if (next is not null)
                {
                    output.WriteLine($"On to chapter {next.Number}, {next.Title}: read {next.Notebook}, then fill in {next.StarterDir}/.");
                    chapter = next;
                    continue;
                }
                // The chapter asked for, or the last one written so far: keep watching it, for whoever goes on improving it.
                if (!announced)
                {
                    output.WriteLine(start is null
                        ? "That was the last chapter written so far. Well done."
                        : $"Chapter {chapter.Number} is green. The watch stays on it, as --chapter asked; without --chapter it follows your current chapter.");
                    announced = true;
                }
            }
            var dir = _gate.CodeDir(chapter, against);
            output.WriteLine($"Watching {Path.GetRelativePath(course.Root, dir)}/ for saves (Ctrl+C stops).");
            if (!WaitForSave(dir, stop.Token))
            {
                break;
            }
        }
        return 0;
    }

    /// <summary>Runs the gate once and prints the verdict.</summary>
    private GateRun Verdict(Chapter ch)
    {
        var clock = Stopwatch.StartNew();
        var run = _gate.Run(ch, against);
        if (run.ApiMismatch)
        {
            // The chapter no longer has something the tests call: rebuild the tests against it, so `dotnet build` names it.
            var build = _gate.EnsureTestsBuilt(ch, against, force: true);
            run = build is null ? _gate.Run(ch, against) : run with { BuildOutput = build };
        }
        var n = Interlocked.Increment(ref _verdicts);
        output.WriteLine();
        output.WriteLine($"── verdict {n} at {DateTime.Now:HH:mm:ss} ({clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s: compile {run.CompileTime.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s, tests {run.TestTime.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s) ──");
        var codeDir = _gate.CodeDir(ch, against);
        if (run.CompileErrors.Count > 0)
        {
            output.WriteLine($"Chapter {ch.Number} does not compile:");
            foreach (var e in run.CompileErrors.Take(10))
            {
                output.WriteLine($"  {Path.GetRelativePath(course.Root, Path.Combine(codeDir, e.File))}:{e.Line}: {e.Id}: {e.Message}");
            }
        }
        else if (run.BuildOutput is { } build)
        {
            output.WriteLine($"Chapter {ch.Number}'s tests could not be built against your code. `dotnet build` says:");
            foreach (var line in SourceTree.ErrorLines(build, 10))
            {
                output.WriteLine("  " + line);
            }
        }
        else
        {
            var open = against == "chapters" ? Report.OpenTodos(codeDir, ch.Number, course.Root) : [];
            var todos = TodoCatalog.Load(course.Root).GetValueOrDefault(ch.Number) ?? [];
            output.Write(Report.Render(ch, run.Results!, open, codeDir, course.Root, id => todos.FirstOrDefault(t => t.Id == id)?.Instruction, maxFailures: 1));
            if (against == "chapters")
            {
                // For `hint`, which gives its next hint for the TODO behind the first failure.
                var file = LastFailuresFile(course.Root, ch);
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllText(file, JsonSerializer.Serialize(run.Results!.Where(r => r.Outcome == "Failed").ToList()));
            }
        }
        output.Flush();
        return run;
    }

    /// <summary>Where the watch keeps the failures of its last verdict for a chapter.</summary>
    public static string LastFailuresFile(string root, Chapter ch) => Path.Combine(root, ".progress", "results", ch.Slug, "chapters", "watch-failures.json");

    /// <summary>The failures the watch kept; none if the file is damaged.</summary>
    public static IReadOnlyList<TestResult> ReadLastFailures(string file)
    {
        try
        {
            return JsonSerializer.Deserialize<List<TestResult>>(File.ReadAllText(file)) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>A green fast verdict, confirmed by the gate itself (`dotnet test`), the authority `status` and `check` use too.</summary>
    private bool Confirm(Chapter ch)
    {
        if (noConfirm)
        {
            return true;
        }
        output.WriteLine($"Confirming with `dotnet test {ch.TestDir}`...");
        output.Flush();
        var (results, _) = Commands.RunGate(course.Root, ch, against, Path.Combine(course.Root, ".progress", "results", ch.Slug, against));
        if (results is not null && results.All(r => r.Passed))
        {
            output.WriteLine($"Chapter {ch.Number} is done: all {results.Count} tests of its gate pass.");
            return true;
        }
        output.WriteLine(results is null
            ? "`dotnet test` could not build the gate: `dotnet run --project tools/progress -- check " + ch.Number + "` shows why."
            : $"`dotnet test` disagrees: {results.Count(r => !r.Passed)} test(s) fail there. `dotnet run --project tools/progress -- check {ch.Number}` explains them.");
        return false;
    }

    /// <summary>Waits until a .cs file under <paramref name="dir"/> changes and stays unchanged for a moment (editors save in steps).</summary>
    private static bool WaitForSave(string dir, CancellationToken stop)
    {
        using var changed = new SemaphoreSlim(0);
        using var watcher = new FileSystemWatcher(dir, "*.cs") { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size };
        FileSystemEventHandler onChange = (_, e) =>
        {
            if (!SourceTree.IsBuildOutput(Path.GetRelativePath(dir, e.FullPath)))
            {
                changed.Release();
            }
        };
        watcher.Changed += onChange;
        watcher.Created += onChange;
        watcher.Deleted += onChange;
        watcher.Renamed += (s, e) => onChange(s, e);
        watcher.EnableRaisingEvents = true;
        try
        {
            changed.Wait(stop);
            // Let the burst of events from one save settle.
            while (changed.Wait(TimeSpan.FromMilliseconds(50), stop))
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
