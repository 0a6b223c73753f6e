using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Course;
using Course.FastGate;

namespace Progress;

/// <summary>
/// The learner's progress tool, in the spirit of rustlings: where you stand, a watch that answers every save, why a
/// gate fails, graded hints, your code beside the reference, and a fresh start. Every command's arguments are
/// checked; a wrong one gets a sentence, the usage and exit code 2.
/// </summary>
public sealed partial class ProgressApp(string root, TextWriter output, TextWriter error)
{
    public const string Usage = """
        usage: dotnet run --project tools/progress -- <command>

          status          a table of the chapters: which gates pass, which chapter is yours now (the default)
          watch           re-run the current chapter's gate on every save and say what to do next (Ctrl+C stops)
          check N         run chapter N's gate on your code and explain each failure, grouped by TODO
          hint N [TODO]   the next hint for the first open TODO of chapter N (or the one you name)
          debug N TEST    run one test in this process with --seed S: from the debugger, it stops at your breakpoints
          carry N         chapter N is green: write chapter N+1's starter from your code (the watch does it when it moves on)
          reference N     take the reference's code for chapter N's TODOs (stuck, or skipping ahead); the rest stays yours
          compare N       your code beside the reference: the gate on both, then a diff of the files
          reset N         put chapter N's starter back as you got it (your files are backed up first)

        N may be `current`: the first chapter whose gate is not green, as the watch and status say. `--help` after a command says more. Add --against solutions to status, watch, check or compare to run the
        reference solutions instead (for instructors).
        """;

    private readonly CourseManifest _course = CourseManifest.Load(root);

    private string StateDir => Path.Combine(root, ".progress");

    public int Run(string[] args)
    {
        var against = new Option<string>("--against")
        {
            Description = "Whose code: `chapters` (yours, the default) or `solutions` (the reference).",
            DefaultValueFactory = _ => "chapters",
        };
        against.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is not ("chapters" or "solutions"))
            {
                r.AddError("--against takes `chapters` (your code) or `solutions` (the reference).");
            }
        });
        Argument<string> ChapterArgument() => new("chapter") { Description = "The chapter's number, like 3, or `current` for the first one whose gate is not green." };

        var rootCommand = new RootCommand("Raft, step by step: where you stand, and what to do next.");
        var status = new Command("status", "A table of the chapters: which gates pass, which chapter is yours now.") { against };
        status.SetAction(p => Status(p.GetValue(against)!));
        rootCommand.Subcommands.Add(status);
        rootCommand.Options.Add(against);
        rootCommand.SetAction(p => Status(p.GetValue(against)!));

        var chapterOption = new Option<string?>("--chapter") { Description = "Watch this chapter instead of the current one, and stay on it once it is green." };
        var once = new Option<bool>("--once") { Description = "Give one verdict and stop (exit 0 if the chapter is green)." };
        var noConfirm = new Option<bool>("--no-confirm") { Description = "When the chapter turns green, do not confirm it with `dotnet test`." };
        var watch = new Command("watch", "Re-run the current chapter's gate whenever you save, with a short verdict.") { against, chapterOption, once, noConfirm };
        watch.SetAction(p => new Watcher(_course, output, error, p.GetValue(against)!, p.GetValue(noConfirm))
            .Run(p.GetValue(chapterOption) is { } c ? ChapterOf("watch --chapter", c) : null, p.GetValue(once)));
        rootCommand.Subcommands.Add(watch);

        foreach (var (name, description, action) in new (string, string, Func<Chapter, ParseResult, int>)[]
                 {
                     ("check", "Run chapter N's gate on your code and explain each failure, grouped by TODO.", (ch, p) => Check(ch, p.GetValue(against)!)),
                     ("compare", "Your code beside the reference: the gate on both, then a diff of the files.", (ch, _) => Compare(ch)),
                     ("reset", "Put chapter N's starter back as you got it; your files are backed up to .progress/backups first.", (ch, _) => Reset(ch)),
                     ("reference", "Take the reference's code for chapter N's TODOs; your code of earlier chapters stays (backed up first).",
                         (ch, _) => Course.Carry.CarryForward.TakeReference(_course, ch.Number, output)),
                 })
        {
            var chapter = ChapterArgument();
            var command = new Command(name, description) { chapter };
            if (name is "check")
            {
                command.Options.Add(against);
            }
            command.SetAction(p => action(ChapterOf(name, p.GetValue(chapter)!), p));
            rootCommand.Subcommands.Add(command);
        }

        var carryChapter = ChapterArgument();
        var overwrite = new Option<bool>("--overwrite") { Description = "Write chapter N+1 again even if it holds work of yours (it is backed up first)." };
        var carry = new Command("carry", "Chapter N is green: write chapter N+1's starter from your code of chapters 1 to N, with chapter N+1's new TODOs.")
        {
            carryChapter, overwrite,
        };
        carry.SetAction(p => Carry(ChapterOf("carry", p.GetValue(carryChapter)!), p.GetValue(overwrite)));
        rootCommand.Subcommands.Add(carry);

        var debugChapter = ChapterArgument();
        var debugTest = new Argument<string>("test") { Description = "The test, or part of its name, as the replay command's --filter names it." };
        var seed = new Option<long?>("--seed") { Description = "Run only this seed, as RAFT_SEED does." };
        var debug = new Command("debug", "Run one test of chapter N's gate in this process, with a seed: start it from the debugger to stop at breakpoints in your code.")
        {
            debugChapter, debugTest, seed, against,
        };
        debug.SetAction(p => Debug(ChapterOf("debug", p.GetValue(debugChapter)!), p.GetValue(debugTest)!, p.GetValue(seed), p.GetValue(against)!));
        rootCommand.Subcommands.Add(debug);

        var hintChapter = ChapterArgument();
        var todo = new Argument<string?>("todo") { Description = "A TODO's name, like HandleReply; by default the first one still open.", Arity = ArgumentArity.ZeroOrOne };
        var hint = new Command("hint", "The next hint for a TODO: first a nudge, then the rule made concrete, last the code.") { hintChapter, todo };
        hint.SetAction(p => Hint(ChapterOf("hint", p.GetValue(hintChapter)!), p.GetValue(todo)));
        rootCommand.Subcommands.Add(hint);

        return Cli.Run(rootCommand, args, "progress", Usage, output, error, command => $"`{command}` needs a chapter number, like `{command} 1`.");
    }

    /// <summary>The chapter a command names, or a sentence saying why there is none.</summary>
    private Chapter ChapterOf(string command, string text)
    {
        if (text == "current")
        {
            // The chapter the watch and status call current; when every chapter is green, the last one.
            return new FastGate(_course).FirstNotGreen("chapters") ?? _course.Available.Last();
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1 || number > _course.Chapters.Count)
        {
            throw new Cli.UsageException($"`{command} {text}`: the chapter is a number from 1 to {_course.Chapters.Count}.");
        }
        var chapter = _course[number];
        if (!chapter.Ready)
        {
            var ready = _course.Available.Select(c => c.Number).ToList();
            throw new Cli.UsageException($"Chapter {number} ({chapter.Title}) is not written yet; the chapters ready now are {string.Join(", ", ready)}.");
        }
        return chapter;
    }

    // ---- status ----

    private int Status(string against)
    {
        output.WriteLine("Raft, step by step: your progress" + (against == "solutions" ? " (reference solutions)" : ""));
        output.WriteLine();
        Chapter? current = null;
        Chapter? lastGreen = null;
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
            var dir = Path.Combine(root, against == "solutions" ? ch.SolutionDir : ch.StarterDir);
            if (!Directory.Exists(dir))
            {
                // A learner's copy writes each chapter from the learner's code once the one before it is green.
                rows.Add((ch, lastGreen is null ? "not here" : $"opens with `carry {lastGreen.Number}`: it writes chapter {ch.Number} from your code"));
                current = ch;
                continue;
            }
            var verdict = Summary(ch, against);
            if (verdict is null)
            {
                rows.Add((ch, "does not build: run `check " + ch.Number + "`"));
                current = ch;
            }
            else if (verdict.Failed == 0)
            {
                var taken = against == "chapters" && Course.Carry.LearnerProgress.ReferenceTaken(root).Contains(ch.Number) ? " (its TODOs: the reference's code)" : "";
                rows.Add((ch, $"done: {verdict.Passed}/{verdict.Total} tests pass{taken}"));
                lastGreen = ch;
            }
            else
            {
                rows.Add((ch, $"current: {verdict.Passed}/{verdict.Total} tests pass"));
                current = ch;
            }
        }
        output.WriteLine($"  {"#",-2} {"chapter",-22} {"paper",-22} gate");
        foreach (var (ch, state) in rows)
        {
            var mark = state.StartsWith("done", StringComparison.Ordinal) ? "✓"
                : state.StartsWith("current", StringComparison.Ordinal) || state.StartsWith("does not", StringComparison.Ordinal) || state.StartsWith("opens", StringComparison.Ordinal) ? "→"
                : " ";
            output.WriteLine($"{mark} {ch.Number,-2} {ch.Title,-22} {ch.Paper,-22} {state}");
        }
        output.WriteLine();
        if (current is not null && !Directory.Exists(Path.Combine(root, current.StarterDir)) && lastGreen is not null)
        {
            output.WriteLine($"Chapter {lastGreen.Number} is green: `dotnet run --project tools/progress -- carry {lastGreen.Number}` writes chapter {current.Number}'s starter from your code");
            output.WriteLine("(the watch does it when it moves on).");
        }
        else if (current is not null)
        {
            output.WriteLine($"You are on chapter {current.Number}, {current.Title}. Read {current.Notebook}, fill in the TODO(ch{current.Nn}) stubs in {current.StarterDir}/,");
            output.WriteLine($"with `dotnet run --project tools/progress -- watch` running: it runs the gate each time you save. Stuck? `hint {current.Number}`.");
        }
        else
        {
            output.WriteLine(Directory.Exists(Path.Combine(root, "solutions"))
                ? "Every chapter that is written is done. Compare your code with the reference: `compare N`."
                : "Every chapter that is written is done: the live cluster (`dotnet run --project tools/cluster`) runs your Raft.");
        }
        return 0;
    }

    /// <summary>
    /// The gate's counts for a chapter: the last verdict recorded for this state of its code (by the watch, `check` or an
    /// earlier `status`), else one run of the fast gate.
    /// </summary>
    private Verdict? Summary(Chapter ch, string against)
    {
        var verdicts = new Verdicts(root);
        var fingerprint = verdicts.Fingerprint(ch, against);
        if (verdicts.Find(ch, against, fingerprint) is { } known)
        {
            return known;
        }
        error.WriteLine($"Running chapter {ch.Number}'s gate ({(against == "chapters" ? "your code" : "reference")}); the first run also builds it...");
        var run = new FastGate(_course).Run(ch, against);
        if (run.Results is null || run.CompileErrors.Count > 0)
        {
            return null;
        }
        verdicts.Record(ch, against, fingerprint, run.Results);
        var passed = run.Results.Count(r => r.Passed);
        return new Verdict(passed, run.Results.Count - passed, run.Results.Count);
    }

    // ---- check ----

    private int Check(Chapter ch, string against)
    {
        var codeDir = Path.Combine(root, against == "chapters" ? ch.StarterDir : ch.SolutionDir);
        if (!Directory.Exists(codeDir))
        {
            output.WriteLine(against == "solutions"
                ? $"{ch.SolutionDir} is not in this copy of the course, so the reference cannot be checked."
                : ch.Number > 1 && !Directory.Exists(Course.Carry.ChapterFolder.StarterCopy(root, ch))
                    ? $"{ch.StarterDir} is not written yet: it is written from your chapter {ch.Number - 1} when that is green " +
                      $"(`dotnet run --project tools/progress -- carry {ch.Number - 1}`, or the watch moving on)."
                    : $"{ch.StarterDir} is missing: `dotnet run --project tools/progress -- reset {ch.Number}` puts the starter back.");
            return 1;
        }
        // The fast gate, as the watch runs it; `dotnet test` confirms only a green verdict.
        error.WriteLine($"Running chapter {ch.Number}'s gate on {Path.GetRelativePath(root, codeDir)}...");
        var verdicts = new Verdicts(root);
        var fingerprint = verdicts.Fingerprint(ch, against);
        var gate = new FastGate(_course);
        var run = gate.Run(ch, against);
        if (run.CompileErrors.Count > 0)
        {
            output.WriteLine($"Chapter {ch.Number} does not compile:");
            foreach (var e in run.CompileErrors.Take(20))
            {
                output.WriteLine($"  {Path.GetRelativePath(root, Path.Combine(codeDir, e.File))}:{e.Line}: {e.Id}: {e.Message}");
            }
            return 1;
        }
        if (run.Results is null)
        {
            output.WriteLine($"Chapter {ch.Number}'s tests could not be built against your code. `dotnet build` says:");
            foreach (var line in SourceTree.ErrorLines(run.BuildOutput ?? "", 20))
            {
                output.WriteLine("  " + line);
            }
            return 1;
        }
        verdicts.Record(ch, against, fingerprint, run.Results);
        var open = against == "chapters" ? Report.OpenTodos(codeDir, ch.Number, root) : [];
        output.Write(Report.Render(ch, run.Results, open, codeDir, root, id => Todo(ch, id)?.Instruction));
        if (!run.Green)
        {
            return 1;
        }
        output.WriteLine($"Confirming with `dotnet test {ch.TestDir}` (it builds the gate, then runs its {run.Results.Count} tests)...");
        output.Flush();
        var (results, buildOutput) = Commands.RunGate(root, ch, against, Path.Combine(StateDir, "results", ch.Slug, against));
        if (results is not null)
        {
            // The authority's verdict replaces the fast gate's for this state of the code, whichever way it went.
            verdicts.Record(ch, against, fingerprint, results);
        }
        if (results is not null && results.All(r => r.Passed))
        {
            output.WriteLine($"`dotnet test` agrees: all {results.Count} tests pass.");
            return 0;
        }
        output.WriteLine(results is null
            ? $"`dotnet test` could not build the gate:\n  {string.Join("\n  ", SourceTree.ErrorLines(buildOutput, 20))}"
            : $"`dotnet test` disagrees: {results.Count(r => !r.Passed)} test(s) fail there.");
        if (results is not null)
        {
            output.Write(Report.Render(ch, results, open, codeDir, root, id => Todo(ch, id)?.Instruction));
        }
        return 1;
    }

    /// <summary>A TODO of the chapter, from course/todos.json.</summary>
    private TodoItem? Todo(Chapter ch, string id) =>
        TodoCatalog.Load(root).GetValueOrDefault(ch.Number)?.FirstOrDefault(t => t.Id == id);

    private static string Indent(string text) => string.Join('\n', text.Split('\n').Select(l => "    " + l));

    // ---- debug ----

    /// <summary>
    /// Runs the tests whose name contains <paramref name="test"/> in this process against a freshly compiled chapter (its
    /// PDB beside it, so a debugger binds breakpoints in chapters/), with RAFT_SEED set: the replay command, in the debugger.
    /// </summary>
    private int Debug(Chapter ch, string test, long? seed, string against)
    {
        if (seed is { } s)
        {
            Environment.SetEnvironmentVariable("RAFT_SEED", s.ToString(CultureInfo.InvariantCulture));
        }
        var gate = new FastGate(_course) { PerTestLimit = Timeout.InfiniteTimeSpan };
        error.WriteLine($"Running the tests of chapter {ch.Number} whose name contains \"{test}\"{(seed is null ? "" : $", seed {seed}")}...");
        var run = gate.Run(ch, against, filter: test);
        if (run.CompileErrors.Count > 0 || run.Results is null)
        {
            output.WriteLine(run.BuildOutput ?? string.Join('\n', run.CompileErrors));
            return 1;
        }
        if (run.Results.Count == 0)
        {
            output.WriteLine($"No test of chapter {ch.Number}'s gate has \"{test}\" in its name. `check {ch.Number}` lists the failing ones.");
            return 1;
        }
        var codeDir = gate.CodeDir(ch, against);
        output.Write(Report.Render(ch, run.Results, against == "chapters" ? Report.OpenTodos(codeDir, ch.Number, root) : [], codeDir, root));
        return run.Results.All(r => r.Passed) ? 0 : 1;
    }

    // ---- hint ----

    /// <summary>
    /// The next hint for one TODO, one level deeper each time it is asked: 1, a nudge (what to think about, the
    /// paper's rule); 2, the rule made concrete (edge cases, the usual trap); 3, the code. The depth reached per
    /// TODO is kept in .progress/hints.json.
    /// </summary>
    private int Hint(Chapter ch, string? id)
    {
        var todos = TodoCatalog.Load(root).GetValueOrDefault(ch.Number) ?? [];
        if (todos.Count == 0)
        {
            output.WriteLine($"There is no list of chapter {ch.Number}'s TODOs ({ChapterGenerator.TodoCatalogFile} is missing): `git checkout {ChapterGenerator.TodoCatalogFile}` restores it.");
            return 1;
        }
        var open = Report.OpenTodos(Path.Combine(root, ch.StarterDir), ch.Number, root);
        TodoItem todo;
        if (id is not null)
        {
            todo = todos.FirstOrDefault(t => string.Equals(t.Id, id, StringComparison.OrdinalIgnoreCase))
                   ?? throw new Cli.UsageException($"Chapter {ch.Number} has no TODO called `{id}`; its TODOs are {string.Join(", ", todos.Select(t => t.Id))}.");
        }
        else if (open.Count > 0)
        {
            todo = todos.First(t => t.Id == open[0].Id);
        }
        else if (FailingTodo(ch, todos) is { } failing)
        {
            todo = failing;
        }
        else
        {
            output.WriteLine($"Every TODO of chapter {ch.Number} is written. If its gate still fails, `check {ch.Number}` says where; `hint {ch.Number} NAME` gives the next hint for one TODO ({string.Join(", ", todos.Select(t => t.Id))}).");
            return 0;
        }

        var levels = ch.Hints.GetValueOrDefault(todo.Id) ?? [];
        var total = levels.Count + 1;
        var state = LoadHintState();
        var key = $"{ch.Nn}:{todo.Id}";
        var level = Math.Min(state.GetValueOrDefault(key) + 1, total);
        state[key] = level;
        SaveHintState(state);

        var where = open.FirstOrDefault(t => t.Id == todo.Id) is { } o ? $"{o.File}:{o.Line}" : $"{ch.StarterDir}/{todo.File}, in {todo.Method} (written)";
        output.WriteLine($"TODO {todo.Id}, chapter {ch.Number} ({where}): hint {level} of {total}");
        output.WriteLine();
        output.WriteLine(Indent("What must hold: " + todo.Instruction));
        output.WriteLine();
        var label = level == total ? "The code" : level == 1 ? "A nudge" : "The rule made concrete";
        var code = todo.Code.Length > 0 ? todo.Code
            : Course.Carry.CarryForward.HasAnswers(_course) ? new ChapterGenerator(_course).Todos(ch.Number).FirstOrDefault(t => t.Id == todo.Id)?.Code ?? "" : "";
        var text = level == total
            ? code.Length > 0 ? code
                : "(This copy of the course was made without the reference's code, so it cannot show it. Your instructor has it: a copy made " +
                  "with `dotnet run --project tools/chaptergen -- learner-copy DIR --with-answers` shows it here, and there " +
                  $"`dotnet run --project tools/progress -- reference {ch.Number}` writes it into your chapter. Until then: the rule above, and the hints before this one.)"
            : levels[level - 1];
        output.WriteLine(Indent(label + ":"));
        output.WriteLine(Indent(Indent(text)));
        output.WriteLine();
        output.WriteLine(level < total
            ? $"Still stuck? Ask again for hint {level + 1} of {total}: `dotnet run --project tools/progress -- hint {ch.Number} {todo.Id}`."
            : $"That was the last hint for {todo.Id}. The notebook {ch.Notebook} shows the rule at work; the gate is `dotnet test tests/{ch.Slug}`.");
        return 0;
    }

    /// <summary>The TODO behind the first failing test of the last check or watch verdict, if the failure was thrown in its method.</summary>
    private TodoItem? FailingTodo(Chapter ch, IReadOnlyList<TodoItem> todos)
    {
        var trx = Path.Combine(StateDir, "results", ch.Slug, "chapters", "gate.trx");
        var fast = Watcher.LastFailuresFile(root, ch);
        // Whichever ran last: `check` writes the TRX, the watch its own list.
        var codeDir = Path.Combine(root, ch.StarterDir);
        // Results older than the learner's latest save speak of code that is gone.
        var saved = SourceTree.Files(codeDir, f => f.EndsWith(".cs", StringComparison.Ordinal)).Select(File.GetLastWriteTimeUtc).DefaultIfEmpty().Max();
        bool Current(string file) => File.Exists(file) && File.GetLastWriteTimeUtc(file) >= saved;
        var failures = Current(fast) && (!Current(trx) || File.GetLastWriteTimeUtc(fast) > File.GetLastWriteTimeUtc(trx))
            ? Watcher.ReadLastFailures(fast)
            : Current(trx) ? TestResults.ReadTrx(trx).Where(r => !r.Passed).ToList() : [];
        foreach (var r in failures)
        {
            if (Report.WhereInCode(r, codeDir, root) is { } w && todos.FirstOrDefault(t => t.Method == w.Method) is { } t)
            {
                return t;
            }
        }
        return null;
    }

    private Dictionary<string, int> LoadHintState()
    {
        var path = Path.Combine(StateDir, "hints.json");
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(path)) ?? [] : [];
        }
        catch (JsonException)
        {
            return []; // a damaged record only costs starting the hints over
        }
    }

    private void SaveHintState(Dictionary<string, int> state)
    {
        Directory.CreateDirectory(StateDir);
        File.WriteAllText(Path.Combine(StateDir, "hints.json"), JsonSerializer.Serialize(state));
    }

    // ---- compare ----

    private int Compare(Chapter ch)
    {
        if (!Directory.Exists(Path.Combine(root, ch.SolutionDir)))
        {
            output.WriteLine($"The reference solution is not in this copy of the course ({ch.SolutionDir} is absent), so there is nothing to compare your code with. `check {ch.Number}` runs the gate on your code.");
            return 1;
        }
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

    // ---- carry ----

    private int Carry(Chapter ch, bool overwrite)
    {
        if (!Directory.Exists(Path.Combine(root, ch.StarterDir)))
        {
            output.WriteLine($"{ch.StarterDir} does not exist: there is no code of yours to carry.");
            return 1;
        }
        if (!_course.Available.Any(c => c.Number == ch.Number + 1))
        {
            output.WriteLine($"Chapter {ch.Number} is the last chapter written so far: there is no next chapter to carry your code into.");
            return 1;
        }
        error.WriteLine($"Running chapter {ch.Number}'s gate on your code first...");
        var run = new FastGate(_course).Run(ch, "chapters");
        if (!run.Green)
        {
            var counts = run.Results is { } r ? $"{r.Count(t => t.Passed)} of {r.Count} tests pass" : "it does not build";
            output.WriteLine($"Chapter {ch.Number} is not green yet ({counts}): its code is carried into chapter {ch.Number + 1} once it is. " +
                             $"`dotnet run --project tools/progress -- check {ch.Number}` says what is left (or `reference {ch.Number}` takes the reference's code).");
            return 1;
        }
        return Course.Carry.CarryForward.Run(_course, ch.Number, overwrite, output);
    }

    // ---- reset ----

    private int Reset(Chapter ch)
    {
        var dir = Path.Combine(root, ch.StarterDir);
        // The starter the progress tool wrote for this chapter (carried from your previous chapter), else the course's.
        var written = Course.Carry.ChapterFolder.StarterCopy(root, ch);
        // The course's own starter can be written where the course has its source, or its pack for chapter 1 (whose
        // starter holds no earlier chapter's code).
        // In a learner's copy (no solutions/), a later chapter's starter holds the learner's own earlier chapters, so it
        // is never written from the course's: that would put the reference's code where theirs belongs.
        var learnerCopy = !Directory.Exists(Path.Combine(root, "solutions"));
        var canWrite = (Course.Carry.CarryForward.HasAnswers(_course) && !(learnerCopy && ch.Number > 1))
                       || (ch.Number == 1 && CoursePack.Read(root) is not null);
        if (!Directory.Exists(written) && !canWrite)
        {
            output.WriteLine(ch.Number > 1 && Directory.Exists(Path.Combine(root, _course[ch.Number - 1].StarterDir))
                ? $"The starter of chapter {ch.Number} is written from your chapter {ch.Number - 1}: `dotnet run --project tools/progress -- carry {ch.Number - 1} --overwrite` writes it again (your files are backed up first)."
                : $"This copy of the course has neither its annotated source ({_course.SourceDir}) nor its pack ({CoursePack.FileName}) to write the starter from. " +
                  $"`git checkout -- {ch.StarterDir}` puts back the starter you cloned (commit or copy your work first).");
            return 1;
        }
        if (Course.Carry.ChapterFolder.Backup(root, ch) is { } backup)
        {
            output.WriteLine($"Backed up {ch.StarterDir} to {Path.GetRelativePath(root, backup)}");
        }
        if (Directory.Exists(written))
        {
            Course.Carry.ChapterFolder.Write(root, ch, Course.Carry.ChapterFolder.Read(written));
            output.WriteLine($"Put back chapter {ch.Number}'s starter as the progress tool wrote it (your earlier chapters' code in it) in {ch.StarterDir}. Rebuild, and restart the notebook's kernel.");
            return 0;
        }
        new ChapterGenerator(_course).Write(ch.Number, Variant.Starter, dir);
        output.WriteLine($"Put the starter of chapter {ch.Number} back in {ch.StarterDir}. Rebuild, and restart the notebook's kernel.");
        return 0;
    }
}
