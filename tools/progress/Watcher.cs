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

    /// <summary>Called as each verdict's run starts (a test edits a file then, to see that the save is not missed).</summary>
    public Action<Chapter>? VerdictStarting { get; init; }

    /// <summary>Called when the gate has compiled and run, before its verdict counts (a test saves then).</summary>
    public Action<Chapter>? GateRan { get; init; }

    /// <param name="start">
    /// The chapter to watch, and stay on once green (the learner chose it); null for the first ready chapter whose gate
    /// is not green, moving on to the next chapter each time one turns green.
    /// </param>
    /// <param name="once">Give one verdict and return: 0 if green, 1 if not.</param>
    /// <param name="stopToken">Stops the watch (Ctrl+C stops it too).</param>
    public int Run(Chapter? start, bool once, CancellationToken stopToken = default)
    {
        var chapter = start ?? _gate.FirstNotGreen(against, once ? null : ch => error.WriteLine($"Checking chapter {ch.Number}... (the first time, `dotnet build` builds its gate)"));
        if (chapter is null)
        {
            output.WriteLine("Every chapter that is written is green. `dotnet run --project tools/progress -- status` shows them all.");
            return 0;
        }
        if (start is null && against == "chapters" && chapter.Number > 1 && !Directory.Exists(_gate.CodeDir(chapter, against))
            && Directory.Exists(_gate.CodeDir(course[chapter.Number - 1], against)))
        {
            // The chapter before is green but was not carried forward yet (the watch stopped before it moved on): watch it
            // once more; its green verdict is confirmed and carried the usual way.
            chapter = course[chapter.Number - 1];
        }
        foreach (var c in course.Available)
        {
            _gate.Clean(c);
        }
        if (once)
        {
            return Verdict(chapter).Run.Green ? 0 : 1;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopToken);
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        SaveWatcher? saves = null;
        try
        {
            Loop(chapter, start, stop.Token, ref saves);
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
            saves?.Dispose();
        }
        return 0;
    }

    private void Loop(Chapter chapter, Chapter? start, CancellationToken stop, ref SaveWatcher? saves)
    {
        // The states of the code (fingerprints) `dotnet test` confirmed green: the same code is not confirmed twice.
        var confirmed = new HashSet<string>();
        var announced = false;
        while (!stop.IsCancellationRequested)
        {
            // Listening starts before the run: a save that lands while the gate runs gets a verdict of its own.
            var dir = _gate.CodeDir(chapter, against);
            if (saves?.Directory != dir)
            {
                saves?.Dispose();
                saves = Directory.Exists(dir) ? new SaveWatcher(dir) : null;
            }
            var seen = saves?.Version ?? 0;
            var (run, fingerprint) = Verdict(chapter);
            if (run.Green && saves is not null && saves.Version != seen)
            {
                // Green for code that is no longer what is saved: neither confirmed nor carried forward.
                output.WriteLine("A file changed while the gate ran: running it again on what is saved now.");
                saves.Settle(stop);
                continue;
            }
            if (run.Green && (confirmed.Contains(fingerprint) || Confirm(chapter, fingerprint)))
            {
                confirmed.Add(fingerprint);
                if (saves is not null && saves.Version != seen)
                {
                    // A save while `dotnet test` confirmed: what would be carried is not what was confirmed.
                    output.WriteLine("A file changed while `dotnet test` confirmed: running the gate again on what is saved now.");
                    saves.Settle(stop);
                    continue;
                }
                var next = start is null ? course.Available.FirstOrDefault(c => c.Number > chapter.Number) : null;
                if (next is not null && against == "chapters")
                {
                    // Your code goes with you: the next chapter's starter is written from this one.
                    Course.Carry.CarryForward.Run(course, chapter.Number, overwrite: false, output);
                }
                if (next is not null && Directory.Exists(_gate.CodeDir(next, against)))
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
            if (saves is null)
            {
                output.WriteLine($"{Path.GetRelativePath(course.Root, dir)}/ does not exist: `dotnet run --project tools/progress` says where you are.");
                return;
            }
            if (saves.Version != seen)
            {
                output.WriteLine("A file changed while the gate ran: running it again on what is saved now.");
                saves.Settle(stop);
                continue;
            }
            output.WriteLine($"Watching {Path.GetRelativePath(course.Root, dir)}/ for saves (Ctrl+C stops).");
            output.Flush();
            if (!saves.WaitForSave(seen, stop))
            {
                return;
            }
        }
    }

    /// <summary>Runs the gate once and prints the verdict; also returns the state of the code it started on.</summary>
    private (GateRun Run, string Fingerprint) Verdict(Chapter ch)
    {
        VerdictStarting?.Invoke(ch);
        var clock = Stopwatch.StartNew();
        var verdicts = new Verdicts(course.Root);
        var fingerprint = verdicts.Fingerprint(ch, against);
        var run = _gate.Run(ch, against);
        GateRan?.Invoke(ch);
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
            verdicts.Record(ch, against, fingerprint, run.Results!);
            if (against == "chapters")
            {
                // For `hint`, which gives its next hint for the TODO behind the first failure.
                var file = LastFailuresFile(course.Root, ch);
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllText(file, JsonSerializer.Serialize(run.Results!.Where(r => r.Outcome == "Failed").ToList()));
            }
        }
        output.Flush();
        return (run, fingerprint);
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
    private bool Confirm(Chapter ch, string fingerprint)
    {
        if (noConfirm)
        {
            return true;
        }
        output.WriteLine($"Green. Confirming with `dotnet test {ch.TestDir}`, the gate's authority: it builds the gate and runs every test (a minute or two)...");
        output.Flush();
        var clock = Stopwatch.StartNew();
        var confirm = Task.Run(() => Commands.RunGate(course.Root, ch, against, Path.Combine(course.Root, ".progress", "results", ch.Slug, against)));
        while (!confirm.Wait(TimeSpan.FromSeconds(15)))
        {
            output.WriteLine($"  …still confirming ({clock.Elapsed.TotalSeconds:0} s): `dotnet test` is building and running chapter {ch.Number}'s gate.");
            output.Flush();
        }
        var (results, _) = confirm.Result;
        if (results is not null)
        {
            // The authority's verdict replaces the fast gate's for this state of the code, whichever way it went.
            new Verdicts(course.Root).Record(ch, against, fingerprint, results);
        }
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
}

/// <summary>
/// Counts the saves of .cs files under a chapter's folder, from its creation on, so that a save made while the gate runs
/// is not missed: the watch compares the count before and after each run.
/// </summary>
internal sealed class SaveWatcher : IDisposable
{
    private readonly FileSystemWatcher _watcher;
    private readonly SemaphoreSlim _changed = new(0);
    private int _version;

    public SaveWatcher(string directory)
    {
        Directory = directory;
        _watcher = new FileSystemWatcher(directory, "*.cs") { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size };
        FileSystemEventHandler onChange = (_, e) =>
        {
            if (!SourceTree.IsBuildOutput(Path.GetRelativePath(directory, e.FullPath)))
            {
                Interlocked.Increment(ref _version);
                _changed.Release();
            }
        };
        _watcher.Changed += onChange;
        _watcher.Created += onChange;
        _watcher.Deleted += onChange;
        _watcher.Renamed += (s, e) => onChange(s, e);
        _watcher.EnableRaisingEvents = true;
    }

    public string Directory { get; }

    /// <summary>How many changes were seen so far.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>Waits until a change after <paramref name="seen"/>, then until the burst of events of one save settles.</summary>
    public bool WaitForSave(int seen, CancellationToken stop)
    {
        try
        {
            while (Version == seen)
            {
                _changed.Wait(stop);
            }
            Settle(stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Lets the events of one save settle (editors save in steps).</summary>
    public void Settle(CancellationToken stop)
    {
        try
        {
            while (_changed.Wait(TimeSpan.FromMilliseconds(50), stop))
            {
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _changed.Dispose();
    }
}
