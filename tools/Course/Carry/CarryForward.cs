namespace Course.Carry;

/// <summary>
/// What `progress carry N` and the watch (moving on from a green chapter) do: write chapter N+1's starter from the
/// learner's chapter N (see <see cref="Carrier"/>), after backing up, and say what was carried and what was not.
/// </summary>
public static class CarryForward
{
    /// <summary>Carries chapter <paramref name="from"/> into the next; returns 0 if it wrote it, 1 with a sentence otherwise.</summary>
    /// <param name="overwrite">Replace the next chapter's folder even if the learner has changed it (it is backed up first).</param>
    public static int Run(CourseManifest course, int from, bool overwrite, TextWriter output)
    {
        var root = course.Root;
        var ch = course[from];
        var next = course.Available.FirstOrDefault(c => c.Number == from + 1);
        if (next is null)
        {
            output.WriteLine($"Chapter {from} is the last one written so far: there is no chapter to carry your code into yet.");
            return 1;
        }
        var dir = Path.Combine(root, ch.StarterDir);
        if (!Directory.Exists(dir))
        {
            output.WriteLine($"{ch.StarterDir} does not exist, so there is no code of yours to carry into chapter {next.Number}.");
            return 1;
        }
        var generator = new ChapterGenerator(course);
        IReadOnlyDictionary<string, string>? courseStarter = null;
        if (Directory.Exists(Path.Combine(root, course.SourceDir)))
        {
            courseStarter = generator.Render(next.Number, Variant.Starter);
        }
        if (!overwrite && !ChapterFolder.Untouched(root, next, courseStarter))
        {
            output.WriteLine($"{next.StarterDir} already holds work of yours, so it was left as it is. " +
                             $"`dotnet run --project tools/progress -- carry {from} --overwrite` writes it again from your chapter {from} " +
                             "(what is in it now is backed up first).");
            return 1;
        }
        var learner = ChapterFolder.Read(dir);
        var plan = Carrier.Plan(generator, from, learner);
        var backups = new[] { ChapterFolder.Backup(root, ch), ChapterFolder.Backup(root, next) }.OfType<string>().ToList();
        ChapterFolder.Write(root, next, plan.Files);
        SolutionFile.Include(root, next);

        output.WriteLine($"Carried your code of chapters 1 to {from} into {next.StarterDir}/: chapter {next.Number}'s starter is your Raft, with its new TODOs.");
        foreach (var backup in backups)
        {
            output.WriteLine($"  (backed up to {Path.GetRelativePath(root, backup)})");
        }
        if (plan.Notes.Count > 0)
        {
            output.WriteLine($"Not carried as it was ({plan.Notes.Count}):");
            foreach (var note in plan.Notes)
            {
                output.WriteLine($"  • {note}");
            }
        }
        return 0;
    }

    /// <summary>Writes the reference's code for chapter <paramref name="number"/>'s TODOs into the learner's chapter, keeping the rest of their code.</summary>
    public static int TakeReference(CourseManifest course, int number, TextWriter output)
    {
        var root = course.Root;
        var ch = course[number];
        var dir = Path.Combine(root, ch.StarterDir);
        if (!Directory.Exists(dir))
        {
            output.WriteLine($"{ch.StarterDir} does not exist yet: chapter {number} opens when chapter {number - 1} is done " +
                             $"(`carry {number - 1}`, or `reference {number - 1}` and then `carry {number - 1}`).");
            return 1;
        }
        if (!HasAnswers(course))
        {
            output.WriteLine("This copy of the course has no reference code in it (it was made without answers): your instructor has it.");
            return 1;
        }
        var plan = Carrier.Reference(new ChapterGenerator(course), number, ChapterFolder.Read(dir));
        var backup = ChapterFolder.Backup(root, ch);
        // The starter copy stays as it was written: `reset` puts back the starter, not the reference's code.
        ChapterFolder.Write(root, ch, plan.Files, recordStarter: false);
        LearnerProgress.TookReference(root, number);
        output.WriteLine($"{ch.StarterDir}/ now has the reference's code for chapter {number}'s TODOs; your code of the earlier chapters, and any helpers of yours, stay" +
                         (plan.Notes.Count > 0 ? ", except as noted:" : "."));
        if (backup is not null)
        {
            output.WriteLine($"  (your files are backed up in {Path.GetRelativePath(root, backup)})");
        }
        foreach (var note in plan.Notes)
        {
            output.WriteLine($"  • {note}");
        }
        output.WriteLine($"Its gate should now be green (`check {number}`); then `carry {number}` takes it into chapter {number + 1}.");
        return 0;
    }

    /// <summary>True if the course can show the reference's code: the annotated source, or a pack made with the answers.</summary>
    public static bool HasAnswers(CourseManifest course) =>
        Directory.Exists(Path.Combine(course.Root, course.SourceDir)) || CoursePack.Read(course.Root) is { Answers: true };
}

/// <summary>What the progress tool remembers of the learner's way through the course (.progress/progress.json).</summary>
public static class LearnerProgress
{
    private static string FileOf(string root) => Path.Combine(root, ".progress", "progress.json");

    private sealed record State(List<int>? ReferenceTaken);

    private static State Load(string root)
    {
        try
        {
            return File.Exists(FileOf(root))
                ? System.Text.Json.JsonSerializer.Deserialize<State>(File.ReadAllText(FileOf(root))) ?? new State([])
                : new State([]);
        }
        catch (System.Text.Json.JsonException)
        {
            return new State([]);
        }
    }

    /// <summary>The chapters whose TODOs the learner took from the reference.</summary>
    public static IReadOnlyList<int> ReferenceTaken(string root) => Load(root).ReferenceTaken ?? [];

    public static void TookReference(string root, int chapter)
    {
        var state = Load(root);
        var taken = state.ReferenceTaken ?? [];
        if (!taken.Contains(chapter))
        {
            taken.Add(chapter);
        }
        state = new State(taken);
        Directory.CreateDirectory(Path.GetDirectoryName(FileOf(root))!);
        File.WriteAllText(FileOf(root), System.Text.Json.JsonSerializer.Serialize(state));
    }
}

/// <summary>Tutorial.sln, kept listing the chapters a learner has.</summary>
public static class SolutionFile
{
    /// <summary>Adds the chapter's project and its gate to Tutorial.sln if it does not list them (a learner's copy adds each chapter as it opens).</summary>
    public static void Include(string root, Chapter ch)
    {
        var sln = Path.Combine(root, "Tutorial.sln");
        if (!File.Exists(sln))
        {
            return;
        }
        var text = File.ReadAllText(sln);
        var projects = new[] { $"{ch.StarterDir}/{ch.AssemblyName}.csproj", $"{ch.TestDir}/Gate.Ch{ch.Nn}.csproj" }
            .Where(p => File.Exists(Path.Combine(root, p)) && !text.Contains(p.Replace('/', '\\'), StringComparison.Ordinal) && !text.Contains(p, StringComparison.Ordinal))
            .ToList();
        if (projects.Count > 0)
        {
            Commands.Run(root, "dotnet", "sln Tutorial.sln add " + string.Join(' ', projects), TimeSpan.FromMinutes(2));
        }
    }
}
