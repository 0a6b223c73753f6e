using Course;

namespace Workspace.Tests;

// The gate is real: an untouched starter of chapter N fails every test chapter N introduces and
// passes every earlier chapter's test and every common check (rustlings' own check, for Raft).
// The starter is generated afresh from course/source, so a learner's edits never affect this proof.
[Collection("builds")]
public sealed class GateProofTests
{
    public static TheoryData<int> ReadyChapters() => [.. Repo.Course.Available.Select(c => c.Number)];

    [Theory]
    [MemberData(nameof(ReadyChapters))]
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
        own.Where(o => !o.Message.Contains($"TODO(ch{ch.Nn})", StringComparison.Ordinal) && !o.Message.Contains("§", StringComparison.Ordinal))
            .Select(o => o.Name)
            .ShouldBeEmpty("Each failing test should tell the learner which TODO or which rule of the paper it is about");
    }
}
