using System.Text.RegularExpressions;
using Course;
using Course.Carry;

namespace Workspace.Tests;

// A learner builds one Raft: each chapter's starter is made from the learner's previous chapter (Carrier). These tests
// carry code through every chapter: the reference's own (the result must be exactly the course's next starter), and a
// learner's that differs from it (markers in every TODO's code, a helper file of their own).
public sealed partial class CarryTests : IDisposable
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "raft-carry-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, recursive: true);
        }
    }

    /// <summary>The TODOs a later chapter retires: their code is rewritten by a TODO of that chapter, so it is not carried.</summary>
    private static readonly Dictionary<int, string[]> Retired = new() { [3] = ["SendHeartbeats"] };

    private static Dictionary<string, string> CSharp(IReadOnlyDictionary<string, string> files) =>
        files.Where(f => f.Key.EndsWith(".cs", StringComparison.Ordinal)).ToDictionary(f => f.Key, f => f.Value.TrimEnd('\n'), StringComparer.Ordinal);

    [Fact]
    public void Carrying_the_reference_through_every_chapter_gives_exactly_the_next_starter()
    {
        var generator = new ChapterGenerator(Repo.Course);
        var carried = 0;
        foreach (var ch in Repo.Course.Available.Where(c => Repo.Course.Available.Any(n => n.Number == c.Number + 1)))
        {
            // A learner whose code is the reference's: chapter N's starter with its TODOs written.
            var solved = generator.Render(ch.Number, Variant.Starter, _ => TodoForm.Solution);

            var plan = Carrier.Plan(generator, ch.Number, solved);

            var expected = CSharp(generator.Render(ch.Number + 1, Variant.Starter));
            var got = CSharp(plan.Files);
            got.Keys.Order().ShouldBe(expected.Keys.Order(), $"carrying chapter {ch.Number} gives chapter {ch.Number + 1}'s files");
            foreach (var (file, text) in expected)
            {
                got[file].ShouldBe(text, $"chapter {ch.Number} carried: {file} is chapter {ch.Number + 1}'s starter, line for line");
            }
            plan.Notes.Select(n => Regex.Match(n.Sentence, @"TODO (\w+)").Groups[1].Value).ShouldBe(Retired.GetValueOrDefault(ch.Number + 1) ?? [],
                $"carrying chapter {ch.Number} notes only the TODOs chapter {ch.Number + 1} retires: {string.Join("; ", plan.Notes)}");
            carried++;
        }
        carried.ShouldBe(Repo.Course.Available.Count() - 1, "every chapter but the last was carried into the next");
    }

    [Fact]
    public void A_learners_own_code_and_helpers_are_carried_into_every_later_chapter()
    {
        var course = Repo.Course;
        var generator = new ChapterGenerator(course);
        var learner = MarkedSource(Path.Combine(_temp, "marked"));
        var last = course.Available.Last().Number;
        var files = (IReadOnlyDictionary<string, string>)learner.Render(1, Variant.Starter, _ => TodoForm.Solution);
        for (var n = 1; n < last; n++)
        {
            var plan = Carrier.Plan(generator, n, files);

            // What the learner has after the carry: their code for chapters 1 to n (markers and helper included), and
            // chapter n+1's TODOs as stubs.
            var expected = CSharp(learner.Render(n + 1, Variant.Starter, t => t <= n ? TodoForm.Solution : TodoForm.Starter));
            var got = CSharp(plan.Files);
            foreach (var (file, text) in expected)
            {
                got.ShouldContainKey(file, $"chapter {n + 1} has {file}");
                got[file].ShouldBe(text, $"carrying the learner's chapter {n}: {file} holds their code of chapters 1 to {n} and chapter {n + 1}'s stubs");
            }
            got.ShouldContainKey("LearnerHelpers.cs", "a file of the learner's own goes with them");

            // The learner solves chapter n+1 (with markers) on top of what was carried.
            files = Solve(generator, learner, n + 1, plan.Files);
        }

        // In the last chapter, every TODO of every chapter holds the learner's marker, but the ones retired on the way.
        var final = string.Join("\n", files.Values);
        var todos = course.Available.SelectMany(c => generator.Todos(c.Number)).Where(t => !Retired.Values.Any(r => r.Contains(t.Id))).ToList();
        todos.Count.ShouldBeGreaterThan(30, "the course has TODOs in every chapter");
        todos.Where(t => !final.Contains(Marker(t.Chapter, t.Id), StringComparison.Ordinal)).Select(t => $"{t.Chapter}:{t.Id}")
            .ShouldBeEmpty($"the learner's code of every TODO reaches chapter {last}");
    }

    [Fact]
    public void Taking_the_reference_fills_one_chapters_TODOs_and_keeps_the_learners_earlier_code()
    {
        var generator = new ChapterGenerator(Repo.Course);
        var learner = MarkedSource(Path.Combine(_temp, "marked-reference"));
        // Chapter 3 as carried from the learner's chapter 2: their code of chapters 1 and 2, chapter 3's stubs.
        var carried = Carrier.Plan(generator, 2, learner.Render(2, Variant.Starter, _ => TodoForm.Solution)).Files;

        var plan = Carrier.Reference(generator, 3, carried);

        var expected = CSharp(learner.Render(3, Variant.Starter, t => TodoForm.Solution));
        var got = CSharp(plan.Files);
        var files = 0;
        foreach (var (file, text) in expected.Where(f => f.Key != "LearnerHelpers.cs"))
        {
            // The learner's markers stay in chapters 1 and 2's TODOs; chapter 3's TODOs hold the reference's code (no marker).
            var withoutChapter3Marks = string.Join('\n', text.Split('\n').Where(l => !l.Contains("LearnerHelpers.Mark(\"03-", StringComparison.Ordinal)));
            got[file].ShouldBe(withoutChapter3Marks, $"{file}: chapter 3's TODOs are the reference's, the learner's earlier code is theirs");
            files++;
        }
        files.ShouldBeGreaterThan(5, "chapter 3's files were compared");
        got.ShouldContainKey("LearnerHelpers.cs", "the learner's own file stays");
        plan.Notes.ShouldBeEmpty("nothing of the learner's was in chapter 3's TODOs, so nothing gives way");
    }

    internal static string Marker(int chapter, string id) => $"LearnerHelpers.Mark(\"{chapter:00}-{id}\");";

    /// <summary>
    /// The course's source as a learner would have written it: every TODO's code starts with a call to a helper of
    /// theirs (so it differs from the reference), and the helper is a file of their own.
    /// </summary>
    internal static ChapterGenerator MarkedSource(string root)
    {
        var source = Path.Combine(root, Repo.Course.SourceDir);
        Directory.CreateDirectory(source);
        File.Copy(Path.Combine(Repo.Root, "course", "course.json"), Path.Combine(root, "course", "course.json"));
        foreach (var (rel, text) in new ChapterGenerator(Repo.Course).SourceFiles())
        {
            var lines = text.Split('\n').ToList();
            for (var i = lines.Count - 1; i >= 0; i--)
            {
                if (Regex.Match(lines[i], @"^(?<indent>\s*)//@todo (?<nn>\d{2}) (?<id>\w+):") is { Success: true } m)
                {
                    // Inside a //@before block the code is behind //~ (it must compile as the latest chapter).
                    var behind = i + 1 < lines.Count && lines[i + 1].TrimStart().StartsWith("//~", StringComparison.Ordinal) ? "//~ " : "";
                    lines.Insert(i + 1, $"{m.Groups["indent"].Value}{behind}{Marker(int.Parse(m.Groups["nn"].Value), m.Groups["id"].Value)}");
                }
            }
            var full = Path.Combine(source, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, string.Join('\n', lines));
        }
        File.WriteAllText(Path.Combine(source, "LearnerHelpers.cs"), """
            namespace Raft;

            /// <summary>A helper of the learner's own, called from each TODO they wrote.</summary>
            internal static class LearnerHelpers
            {
                public static void Mark(string todo) => Marks.Add(todo);

                private static readonly HashSet<string> Marks = [];
            }
            """);
        return new ChapterGenerator(CourseManifest.Load(root));
    }

    /// <summary>
    /// The learner writes chapter <paramref name="n"/>'s TODOs into what was carried: a merge of the carried files and
    /// the chapter with their marked code in its TODOs (both from the chapter with every TODO a stub).
    /// </summary>
    internal static IReadOnlyDictionary<string, string> Solve(ChapterGenerator course, ChapterGenerator learner, int n, IReadOnlyDictionary<string, string> carried)
    {
        var stubs = course.Render(n, Variant.Starter, t => t < n ? TodoForm.Stub : TodoForm.Starter);
        var written = learner.Render(n, Variant.Starter, t => t < n ? TodoForm.Stub : TodoForm.Solution);
        var solved = new Dictionary<string, string>(carried, StringComparer.Ordinal);
        foreach (var (file, text) in written.Where(f => f.Key.EndsWith(".cs", StringComparison.Ordinal)))
        {
            var @base = stubs.GetValueOrDefault(file, "").TrimEnd('\n').Split('\n');
            var mine = carried.GetValueOrDefault(file, "").TrimEnd('\n').Split('\n');
            var chunks = Merge3.Merge(@base, text.TrimEnd('\n').Split('\n'), mine, (b, o, t) =>
                throw new ShouldAssertException($"solving chapter {n}: {file} conflicts where the learner's earlier code and this chapter's TODO meet:\n{string.Join('\n', t)}"));
            solved[file] = string.Join('\n', chunks.SelectMany(c => c.Lines)) + "\n";
        }
        return solved;
    }
}
