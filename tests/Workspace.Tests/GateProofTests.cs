using System.Text.RegularExpressions;
using Course;
using Course.FastGate;

namespace Workspace.Tests;

// The gate is real: an untouched starter of chapter N fails every test chapter N introduces and
// passes every earlier chapter's test and every common check (rustlings' own check, for Raft).
// The starter is generated afresh from course/source, so a learner's edits never affect this proof.
[Collection("builds")]
public sealed class GateProofTests
{
    [Theory]
    [MemberData(nameof(Repo.ReadyChapters), MemberType = typeof(Repo))]
    public void A_pristine_starter_fails_its_own_chapter_and_passes_the_earlier_ones(int number)
    {
        var ch = Repo.Course[number];
        new ChapterGenerator(Repo.Course).Write(number, Variant.Starter, Path.Combine(Repo.Root, "artifacts", "pristine", ch.Slug));
        var (outcomes, output) = Commands.RunGate(Repo.Root, ch, "pristine", Path.Combine(Repo.Root, "artifacts", "gate-proof", ch.Slug));

        outcomes.ShouldNotBeNull($"The gate of the pristine starter did not run:\n{output}");
        var own = outcomes.Where(o => o.Chapter == number).ToList();
        own.Count.ShouldBeGreaterThanOrEqualTo(12, $"chapter {number}'s gate should have at least 12 tests");
        own.Where(o => o.Outcome != "Failed").Select(o => o.Name)
            .ShouldBeEmpty($"These chapter {number} tests pass on the untouched starter, so they check nothing the learner writes");
        outcomes.Where(o => o.Chapter != number && o.Outcome != "Passed").Select(o => $"{o.Name}: {o.Outcome}")
            .ShouldBeEmpty($"The chapter {number} starter must pass every earlier chapter's test and every common check");
        // The learner reads why: each failure names its TODO or the rule it checks.
        // The paper's rules are cited by section (§5.3) or by figure (Figure 2's persistent state, Figure 8).
        own.Where(o => !o.Message.Contains($"TODO(ch{ch.Nn})", StringComparison.Ordinal) && !o.Message.Contains("§", StringComparison.Ordinal)
                       && !Regex.IsMatch(o.Message, @"Figure \d"))
            .Select(o => o.Name)
            .ShouldBeEmpty("Each failing test should tell the learner which TODO or which rule of the paper it is about");

        // What the learner reads for this run: one line per open TODO, no paragraph twice.
        var codeDir = Path.Combine(Repo.Root, "artifacts", "pristine", ch.Slug);
        var open = Report.OpenTodos(codeDir, number, Repo.Root);
        open.Select(t => t.Id).ShouldBe(new ChapterGenerator(Repo.Course).Todos(number).Select(t => t.Id), "the report finds every stub of the starter");
        var report = Report.Render(ch, outcomes, open, codeDir, Repo.Root, _ => "What must hold.");
        foreach (var todo in open)
        {
            report.Split('\n').Count(l => l.Contains($"• {todo.Id} ", StringComparison.Ordinal)).ShouldBe(1, $"TODO {todo.Id} is listed once:\n{report}");
        }
        report.Split("\n\n").Select(p => p.Trim()).Where(p => p.Length > 0).GroupBy(p => p).Where(g => g.Count() > 1).Select(g => g.Key)
            .ShouldBeEmpty($"No paragraph of the report is repeated:\n{report}");

        // The watch's fast gate (in process) says exactly what dotnet test says, test by test.
        var fast = new FastGate(Repo.Course).Run(ch, "pristine");
        fast.CompileErrors.ShouldBeEmpty("the fast gate compiles the starter like its project does");
        fast.Results.ShouldNotBeNull(fast.BuildOutput);
        fast.Results.Select(r => $"{r.Name}: {r.Outcome}").ShouldBe(outcomes.Select(r => $"{r.Name}: {r.Outcome}"), ignoreOrder: true,
            "the fast gate and dotnet test disagree on the pristine starter");
    }
}
