using Course;
using Course.Carry;

namespace Workspace.Tests;

// What real learners do to their files that the reference never does: a helper method right beside a TODO's method, code
// written for a TODO and then the reference taken over it, Windows line endings, a file deleted or named like one a later
// chapter adds. Each keeps the learner's work or says, with a sentence, where it went.
public sealed class CarryEdgeTests : IDisposable
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "raft-carry-edge-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, recursive: true);
        }
    }

    private const string Helper = """
            private int LearnersOwnCount()
            {
                return Log.Count;
            }
        """;

    private const string Method = "public void SendAppendEntries(int peer)";

    /// <summary>Inserts <see cref="Helper"/> right after the method <see cref="Method"/> (chapter 3's TODO SendAppendEntries), with no line between.</summary>
    private static Dictionary<string, string> WithHelperAfter(IReadOnlyDictionary<string, string> files)
    {
        var (file, text) = files.Single(f => f.Key.EndsWith(".cs", StringComparison.Ordinal) && f.Value.Contains(Method, StringComparison.Ordinal));
        var lines = text.Split('\n').ToList();
        var todo = lines.FindIndex(l => l.Contains(Method, StringComparison.Ordinal));
        var close = lines.FindIndex(todo, l => l == "    }");
        close.ShouldBeGreaterThan(todo, $"the method {Method} in {file} ends with a brace at four spaces");
        lines.InsertRange(close + 1, Helper.Split('\n'));
        return new Dictionary<string, string>(files, StringComparer.Ordinal) { [file] = string.Join('\n', lines) };
    }

    private static string Everything(IReadOnlyDictionary<string, string> files) => string.Join("\n", files.Values);

    [Fact]
    public void A_helper_method_right_after_a_TODOs_method_stays_when_the_reference_is_taken()
    {
        var generator = new ChapterGenerator(Repo.Course);
        var starter = generator.Render(3, Variant.Starter);
        var mine = WithHelperAfter(starter);

        var plan = Carrier.Reference(generator, 3, mine);

        Everything(plan.Files).ShouldContain(Helper, Case.Sensitive, "the learner's helper method is kept whole, braces and all");
        var reference = generator.Todos(3).Single(t => t.Id == "SendAppendEntries").Code.Split('\n').First(l => l.Trim().Length > 20 && !l.TrimStart().StartsWith("//", StringComparison.Ordinal)).Trim();
        Everything(plan.Files).ShouldContain(reference, Case.Sensitive, "the TODO holds the reference's code");
        plan.Notes.ShouldBeEmpty("the learner had written nothing in the TODO, so nothing of theirs gave way");
    }

    [Fact]
    public void A_helper_method_right_after_a_TODOs_method_is_carried_into_the_next_chapter()
    {
        var generator = new ChapterGenerator(Repo.Course);
        var solved = WithHelperAfter(generator.Render(3, Variant.Starter, _ => TodoForm.Solution));

        var plan = Carrier.Plan(generator, 3, solved);

        Everything(plan.Files).ShouldContain(Helper, Case.Sensitive, "the learner's helper method goes into chapter 4 whole");
        plan.Notes.ShouldBeEmpty("chapter 4 changes nothing next to the helper");
    }

    [Fact]
    public void Taking_the_reference_over_code_the_learner_wrote_says_so_with_file_and_line()
    {
        var generator = new ChapterGenerator(Repo.Course);
        var learner = CarryTests.MarkedSource(Path.Combine(_temp, "marked"));
        var carried = Carrier.Plan(generator, 2, learner.Render(2, Variant.Starter, _ => TodoForm.Solution)).Files;
        var written = CarryTests.Solve(generator, learner, 3, carried);
        Everything(written).ShouldContain(CarryTests.Marker(3, "Submit"), Case.Sensitive, "the learner wrote chapter 3's TODOs");

        var plan = Carrier.Reference(generator, 3, written);

        var text = Everything(plan.Files);
        generator.Todos(3).Where(t => text.Contains(CarryTests.Marker(3, t.Id), StringComparison.Ordinal)).Select(t => t.Id)
            .ShouldBeEmpty("the learner's code in chapter 3's TODOs gives way to the reference's");
        generator.Todos(2).Where(t => !text.Contains(CarryTests.Marker(2, t.Id), StringComparison.Ordinal)).Select(t => t.Id)
            .ShouldBeEmpty("the learner's chapter 2 code stays");
        plan.Notes.Count.ShouldBeGreaterThanOrEqualTo(generator.Todos(3).Count, "each TODO whose code of theirs gave way is noted");
        plan.Notes.ShouldAllBe(n => n.Line > 0 && n.Sentence.Contains("gives way to the reference's", StringComparison.Ordinal));
    }

    [Fact]
    public void Windows_line_endings_carry_as_the_same_code()
    {
        var generator = new ChapterGenerator(Repo.Course);
        var solved = generator.Render(3, Variant.Starter, _ => TodoForm.Solution);
        var crlf = solved.ToDictionary(f => f.Key, f => f.Value.Replace("\n", "\r\n", StringComparison.Ordinal), StringComparer.Ordinal);

        var plan = Carrier.Plan(generator, 3, crlf);

        var expected = generator.Render(4, Variant.Starter);
        var compared = 0;
        foreach (var (file, text) in expected.Where(f => f.Key.EndsWith(".cs", StringComparison.Ordinal)))
        {
            plan.Files[file].TrimEnd('\n').ShouldBe(text.TrimEnd('\n'), $"{file} written with CRLF carries as chapter 4's starter");
            compared++;
        }
        compared.ShouldBeGreaterThan(5, "chapter 4's files were compared");
        plan.Notes.ShouldBeEmpty("nothing is lost to line endings");
    }

    [Fact]
    public void A_deleted_file_comes_back_with_a_note()
    {
        var generator = new ChapterGenerator(Repo.Course);
        var solved = generator.Render(2, Variant.Starter, _ => TodoForm.Solution);
        var deleted = solved.Keys.First(k => k.EndsWith("RaftOptions.cs", StringComparison.Ordinal));
        var mine = solved.Where(f => f.Key != deleted).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);

        var plan = Carrier.Plan(generator, 2, mine);

        plan.Files.ShouldContainKey(deleted, "chapter 3 needs the file");
        plan.Notes.Select(n => n.ToString()).ShouldContain($"chapters/03-log-replication/{deleted}: you had deleted this file; the course needs it, so it is back.");
    }

    [Fact]
    public void A_file_of_the_learners_named_like_one_a_later_chapter_adds_is_noted_not_interleaved()
    {
        var generator = new ChapterGenerator(Repo.Course);
        var solved = generator.Render(4, Variant.Starter, _ => TodoForm.Solution);
        var added = generator.Render(5, Variant.Starter).Keys.Except(solved.Keys).First(k => k.EndsWith(".cs", StringComparison.Ordinal));
        var mine = new Dictionary<string, string>(solved, StringComparer.Ordinal) { [added] = "namespace Raft;\n\n// my own notes\ninternal static class Mine\n{\n}\n" };

        var plan = Carrier.Plan(generator, 4, mine);

        plan.Files[added].ShouldBe(generator.Render(5, Variant.Starter)[added], $"{added} is chapter 5's, not a mix of the two files");
        plan.Notes.Select(n => n.ToString()).ShouldContain(n => n.Contains(added, StringComparison.Ordinal) && n.Contains("yours is in the backup", StringComparison.Ordinal));
    }

    /// <summary>A learner's copy in miniature: the course's source and chapters 2 and 3 written as the progress tool writes them.</summary>
    private (CourseManifest Course, string Root) LearnerRoot()
    {
        var root = Path.Combine(_temp, "copy");
        ChapterFolder.Copy(Path.Combine(Repo.Root, "course"), Path.Combine(root, "course"));
        var course = CourseManifest.Load(root);
        var generator = new ChapterGenerator(course);
        ChapterFolder.Write(root, course[2], generator.Render(2, Variant.Starter, _ => TodoForm.Solution));
        ChapterFolder.Write(root, course[3], Carrier.Plan(generator, 2, generator.Render(2, Variant.Starter, _ => TodoForm.Solution)).Files);
        return (course, root);
    }

    [Fact]
    public void Reset_after_taking_the_reference_puts_back_the_starter_not_the_reference()
    {
        var (course, root) = LearnerRoot();
        var dir = Path.Combine(root, course[3].StarterDir);
        var starter = ChapterFolder.Read(dir);
        var output = new StringWriter();
        CarryForward.TakeReference(course, 3, output).ShouldBe(0, output.ToString());
        ChapterFolder.Read(dir).ShouldNotBe(starter, "the reference's code went into chapter 3");

        var app = new Progress.ProgressApp(root, output, new StringWriter());
        app.Run(["reset", "3"]).ShouldBe(0, output.ToString());

        var now = ChapterFolder.Read(dir);
        now.Keys.Order().ShouldBe(starter.Keys.Order());
        foreach (var (file, text) in starter)
        {
            now[file].ShouldBe(text, $"{file} is the starter again, TODOs open");
        }
        LearnerProgress.ReferenceTaken(root).ShouldBe([3], "the progress file remembers whose code chapter 3's TODOs held");
    }

    [Fact]
    public void Carry_leaves_a_next_chapter_the_learner_changed_unless_told_and_backs_it_up_when_told()
    {
        var (course, root) = LearnerRoot();
        var next = Path.Combine(root, course[3].StarterDir);
        var changed = Directory.EnumerateFiles(next, "RaftNode.cs", SearchOption.AllDirectories).Single();
        File.AppendAllText(changed, "// a note of mine\n");
        var output = new StringWriter();

        CarryForward.Run(course, 2, overwrite: false, output).ShouldBe(1, output.ToString());
        output.ToString().ShouldContain("already holds work of yours", Case.Sensitive, output.ToString());
        File.ReadAllText(changed).ShouldContain("// a note of mine", Case.Sensitive, "nothing was written over the learner's change");

        CarryForward.Run(course, 2, overwrite: true, output).ShouldBe(0, output.ToString());
        File.ReadAllText(changed).ShouldNotContain("// a note of mine", Case.Sensitive, "--overwrite writes chapter 3 again from chapter 2");
        var backups = Directory.EnumerateFiles(Path.Combine(root, ".progress", "backups"), "RaftNode.cs", SearchOption.AllDirectories)
            .Where(f => f.Contains(course[3].Slug, StringComparison.Ordinal)).ToList();
        backups.ShouldNotBeEmpty("chapter 3 was backed up before it was written again");
        backups.Select(File.ReadAllText).ShouldContain(t => t.Contains("// a note of mine", StringComparison.Ordinal), "the backup holds the learner's change");
    }
}
