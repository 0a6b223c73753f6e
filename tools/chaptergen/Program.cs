using System.CommandLine;
using System.Globalization;
using Course;
using Course.FastGate;
using Course.Notebooks;

// chaptergen: the course's authoring tool (maintainers). It keeps every chapter's starter and solution in step with
// the one annotated source, proves the gates with the mutation suite, and makes the copy an instructor hands out.
const string Usage = """
    usage: dotnet run --project tools/chaptergen -- <command>

      write                      regenerate chapters/NN-*, solutions/NN-* and course/todos.json from course/source, and
                                 notebooks/NN-*.ipynb with their file-based apps notebooks/NN-*.cs from course/notebooks
                                 (it overwrites chapters/: never run it in a learner's working copy)
      write-solutions            regenerate solutions/NN-*, course/todos.json and the notebooks only
      check                      exit 1 and list the files that differ from what the sources generate
      pristine N DIR             write chapter N's untouched starter into DIR (used to prove the gate)
      mutants [N] [--id ID] [--show]  plant each mistake of course/mutants/ into the reference and run the gate: killed or survived
                                 (each chapter's mutants run in a worker process of their own: `mutants-worker`, not for use by hand)
      learner-copy DIR           a copy of the course without solutions/ or course/source (what an instructor hands out)
    """;

try
{
    var root = CourseManifest.FindRoot(Directory.GetCurrentDirectory());
    var course = CourseManifest.Load(root);
    var generator = new ChapterGenerator(course);
    var rootCommand = new RootCommand("The course's authoring tool: generate the chapters, check them, prove the gates.");

    var write = new Command("write", "Regenerate chapters/, solutions/ and course/todos.json from course/source.");
    write.SetAction(_ => Write(starters: true));
    rootCommand.Subcommands.Add(write);
    var writeSolutions = new Command("write-solutions", "Regenerate solutions/ and course/todos.json only.");
    writeSolutions.SetAction(_ => Write(starters: false));
    rootCommand.Subcommands.Add(writeSolutions);

    var check = new Command("check", "List the files that differ from what course/source generates; exit 1 if any.");
    check.SetAction(_ =>
    {
        var problems = generator.Check(includeStarters: true).Concat(new NotebookSet(course).Check()).ToList();
        foreach (var p in problems)
        {
            Console.Error.WriteLine(p);
        }
        Console.WriteLine(problems.Count == 0
            ? $"every chapter is in step with {course.SourceDir}, every notebook with {NotebookSet.SourceDir}"
            : $"{problems.Count} file(s) out of step: run `dotnet run --project tools/chaptergen -- write` and commit");
        return problems.Count == 0 ? 0 : 1;
    });
    rootCommand.Subcommands.Add(check);

    var pristineChapter = new Argument<string>("chapter") { Description = "The chapter's number." };
    var pristineDir = new Argument<string>("dir") { Description = "Where to write the starter." };
    var pristine = new Command("pristine", "Write chapter N's untouched starter into DIR.") { pristineChapter, pristineDir };
    pristine.SetAction(p =>
    {
        var ch = ChapterOf(p.GetValue(pristineChapter)!);
        generator.Write(ch.Number, Variant.Starter, Path.GetFullPath(p.GetValue(pristineDir)!));
        Console.WriteLine($"wrote the starter of chapter {ch.Number} to {Path.GetFullPath(p.GetValue(pristineDir)!)}");
        return 0;
    });
    rootCommand.Subcommands.Add(pristine);

    var mutantsChapter = new Argument<string?>("chapter") { Description = "Only this chapter (default: every ready chapter).", Arity = ArgumentArity.ZeroOrOne };
    var mutantId = new Option<string?>("--id") { Description = "Only the mutant with this id." };
    var show = new Option<bool>("--show") { Description = "Also print what `check` would tell a learner who made each mistake." };
    var mutants = new Command("mutants", "Plant each catalogued mistake into the reference in turn and run the gate: every one must be killed.") { mutantsChapter, mutantId, show };
    mutants.SetAction(p => Mutants(p.GetValue(mutantsChapter) is { } n ? [ChapterOf(n)] : course.Available.ToList(), p.GetValue(mutantId), p.GetValue(show)));
    rootCommand.Subcommands.Add(mutants);

    var workerChapter = new Argument<string>("chapter") { Description = "The chapter." };
    var workerIds = new Option<string>("--ids") { Description = "The ids of the mutants to run, separated by commas.", Required = true };
    var worker = new Command("mutants-worker", "Runs mutants and prints their outcomes as lines for `mutants` to read (started by `mutants`).")
    {
        workerChapter, workerIds,
    };
    worker.Hidden = true;
    worker.SetAction(p =>
    {
        var ch = ChapterOf(p.GetValue(workerChapter)!);
        var ids = p.GetValue(workerIds)!.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var catalog = MutationSuite.Load(root, ch);
        var unknown = ids.Where(id => catalog.All(m => m.Id != id)).ToList();
        if (unknown.Count > 0)
        {
            throw new Cli.UsageException($"{MutationSuite.CatalogFile(ch)} has no mutant {string.Join(", ", unknown)}.");
        }
        MutantWorkers.Serve(new FastGate(course), ch, [.. ids.Select(id => catalog.Single(m => m.Id == id))], Console.Out);
        // Threads of a test given up at its limit may still run: end the process, and them with it.
        Console.Out.Flush();
        Environment.Exit(0);
        return 0;
    });
    rootCommand.Subcommands.Add(worker);

    var copyDir = new Argument<string>("dir") { Description = "An empty or missing folder for the copy." };
    var withAnswers = new Option<bool>("--with-answers") { Description = "Keep the code level of the hints (course/todos.json's code)." };
    var learnerCopy = new Command("learner-copy", "A copy of the course without its answers: no solutions/, no course/source, no maintainers' tools.") { copyDir, withAnswers };
    learnerCopy.SetAction(p => LearnerCopy.Write(course, Path.GetFullPath(p.GetValue(copyDir)!), p.GetValue(withAnswers), Console.Out));
    rootCommand.Subcommands.Add(learnerCopy);

    return Cli.Run(rootCommand, args, "chaptergen", Usage, Console.Out, Console.Error);

    int Write(bool starters)
    {
        foreach (var ch in course.Available)
        {
            generator.Write(ch.Number, Variant.Solution, Path.Combine(root, ch.SolutionDir));
            Console.WriteLine($"wrote {ch.SolutionDir}");
            if (starters)
            {
                generator.Write(ch.Number, Variant.Starter, Path.Combine(root, ch.StarterDir));
                Console.WriteLine($"wrote {ch.StarterDir}");
            }
        }
        generator.WriteTodoCatalog();
        Console.WriteLine($"wrote {ChapterGenerator.TodoCatalogFile}");
        // After the TODO catalog: each notebook lists its chapter's TODOs from it.
        new NotebookSet(course).Write();
        Console.WriteLine($"wrote {NotebookSet.OutputDir}/ from {NotebookSet.SourceDir}/");
        return 0;
    }

    Chapter ChapterOf(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= course.Chapters.Count && course[n].Ready
            ? course[n]
            : throw new Cli.UsageException($"`{text}` is not a ready chapter; the ready chapters are {string.Join(", ", course.Available.Select(c => c.Number))}.");

    int Mutants(IReadOnlyList<Chapter> chapters, string? id, bool showReport)
    {
        var gate = new FastGate(course);
        var self = System.Reflection.Assembly.GetEntryAssembly()!.Location; // this tool, started again as a worker
        var bad = 0;
        foreach (var ch in chapters)
        {
            var catalog = MutationSuite.Load(root, ch).Where(m => id is null || m.Id == id).ToList();
            if (catalog.Count == 0)
            {
                Console.WriteLine($"chapter {ch.Number}: no mutants{(id is null ? $" ({MutationSuite.CatalogFile(ch)} is missing or empty)" : $" called {id}")}");
                bad += id is null ? 1 : 0;
                continue;
            }
            Console.WriteLine($"chapter {ch.Number}, {ch.Title}: {catalog.Count} mutants ({MutationSuite.CatalogFile(ch)})");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var killed = 0;
            // The tests of a killed mutant's gate must not run on beside the next one's: each chapter's mutants run in a
            // worker process, replaced whenever a mutant leaves something running (MutantWorkers).
            MutantWorkers.Run(ch, catalog, ids =>
            {
                var info = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = root };
                info.ArgumentList.Add(self);
                info.ArgumentList.Add("mutants-worker");
                info.ArgumentList.Add(ch.Number.ToString(CultureInfo.InvariantCulture));
                info.ArgumentList.Add("--ids");
                info.ArgumentList.Add(string.Join(',', ids));
                return info;
            }, MutantWorkers.PerMutantLimit, out var workers, o =>
            {
                var m = o.Mutant;
                var verdict = o.Problem is not null ? "BROKEN  " : o.Killed ? "killed  " : "SURVIVED";
                Console.WriteLine($"  {verdict} {m.Id,-34} {o.Time.TotalSeconds,5:0.0} s  {(o.Problem ?? (o.Killed ? "by " + o.KilledBy[0] : m.Mistake + " (" + m.Rule + ")"))}");
                if (showReport && o.FirstFailure is { } first)
                {
                    var explained = Report.Explain(first, gate.CodeDir(ch, "solutions"), root, []);
                    Console.WriteLine($"    What a learner who made this mistake reads first ({first.Sentence}):");
                    Console.WriteLine(string.Join('\n', explained.Split('\n').Select(l => "      " + l)));
                    if (MutationSuite.NotASentence(explained) is { Count: > 0 } bad)
                    {
                        Console.WriteLine($"    (it does not read as a sentence: {string.Join(", ", bad)})");
                    }
                }
                if (showReport && o.Results is not null)
                {
                    Console.WriteLine(Report.Render(ch, o.Results, [], gate.CodeDir(ch, "solutions"), root));
                }
                killed += o.Killed ? 1 : 0;
                bad += o.Killed ? 0 : 1;
            });
            Console.WriteLine($"  {killed} of {catalog.Count} killed ({100.0 * killed / catalog.Count:0}%) in {clock.Elapsed.TotalSeconds:0.0} s, " +
                              $"in {workers} worker process{(workers == 1 ? "" : "es")}");
        }
        return bad == 0 ? 0 : 1;
    }
}
catch (Exception e) when (e is InvalidDataException or ArgumentOutOfRangeException or IOException)
{
    Console.Error.WriteLine($"chaptergen: {e.Message}");
    return 2;
}
