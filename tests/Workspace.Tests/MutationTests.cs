using Course;
using Course.FastGate;

namespace Workspace.Tests;

// The gates are proven, not assumed: every mistake in each chapter's catalog (course/mutants/NN-slug.json) is planted
// into the reference in turn, and the chapter's gate must fail on it. A survivor names a test the gate lacks.
[Collection("mutants")]
public sealed class MutationTests
{
    /// <summary>The authoring tool, built beside these tests (Workspace.Tests.csproj references it), which runs the mutants.</summary>
    private static readonly string ChapterGen = Path.Combine(Repo.Root, "tools", "chaptergen", "bin", "Debug", "net10.0", "chaptergen.dll");

    [Theory]
    [MemberData(nameof(Repo.ReadyChapters), MemberType = typeof(Repo))]
    public void The_gate_kills_every_catalogued_mistake(int number)
    {
        var ch = Repo.Course[number];
        var mutants = MutationSuite.Load(Repo.Root, ch);
        // From chapter 4 on, a learner's code carries into every later chapter: those gates are held to more mistakes.
        var least = number >= 4 ? 25 : 15;
        mutants.Count.ShouldBeGreaterThanOrEqualTo(least, $"{MutationSuite.CatalogFile(ch)} should catalog at least {least} mistakes");
        var uncovered = new ChapterGenerator(Repo.Course).Todos(number).Select(t => t.Id).Except(mutants.Select(m => m.Todo)).ToList();
        uncovered.ShouldBeEmpty($"every TODO of chapter {number} should have at least one mutant in {MutationSuite.CatalogFile(ch)}");

        // In worker processes, as `chaptergen mutants` runs them: a killed mutant's gate never runs on beside the next.
        var outcomes = MutantWorkers.Run(ch, mutants, ids =>
        {
            var info = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = Repo.Root };
            info.ArgumentList.Add(ChapterGen);
            info.ArgumentList.Add("mutants-worker");
            info.ArgumentList.Add($"{number}");
            info.ArgumentList.Add("--ids");
            info.ArgumentList.Add(string.Join(',', ids));
            return info;
        }, MutantWorkers.PerMutantLimit);
        outcomes.Count.ShouldBe(mutants.Count, "every mutant of the catalog gets a verdict");

        outcomes.Where(o => o.Problem is not null).Select(o => $"{o.Mutant.Id}: {o.Problem}")
            .ShouldBeEmpty("These mutants could not be planted; fix them in the catalog");
        outcomes.Where(o => !o.Killed).Select(o => $"{o.Mutant.Id}: {o.Mutant.Mistake} ({o.Mutant.Rule})")
            .ShouldBeEmpty($"These mistakes survive chapter {number}'s gate: add the test that catches each " +
                           $"(replay one: dotnet run --project tools/chaptergen -- mutants {number} --id ID)");

        // What a learner who made the mistake reads first must be sentences: the test's rule and what happened in words.
        var codeDir = Path.Combine(Repo.Root, ch.SolutionDir);
        outcomes.Where(o => o.Killed && o.FirstFailure is not null)
            .Select(o => (o.Mutant.Id, Bad: MutationSuite.NotASentence(Report.Explain(o.FirstFailure!, codeDir, Repo.Root, []))))
            .Where(o => o.Bad.Count > 0).Select(o => $"{o.Id}: {string.Join(", ", o.Bad)}")
            .ShouldBeEmpty($"These mutants' first failure does not read as a sentence (see it with: dotnet run --project tools/chaptergen -- mutants {number} --id ID --show): " +
                           "give the check a message that says the rule, name the values it compares, and keep checks from throwing");
    }
}
