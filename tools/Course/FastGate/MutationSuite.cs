using System.Diagnostics;
using System.Text.Json;

namespace Course.FastGate;

/// <summary>
/// A mistake learners make, as a small patch to a chapter's reference: <see cref="Find"/> (which must occur exactly
/// once in <see cref="File"/>) becomes <see cref="Replace"/>.
/// </summary>
/// <param name="Todo">The TODO it belongs to, or the part of the node it breaks.</param>
/// <param name="Mistake">What the learner did, in one line.</param>
/// <param name="Rule">The rule it breaks, with the paper's section.</param>
public sealed record Mutant(string Id, string Todo, string File, string Find, string Replace, string Mistake, string Rule);

/// <summary>What planting one mutant did to the gate.</summary>
/// <param name="Killed">True if a test of the gate failed.</param>
/// <param name="KilledBy">The tests that failed (the first few).</param>
/// <param name="Problem">Why the mutant could not be planted or run (its text is not in the file, it does not compile); null if it ran.</param>
/// <param name="Results">Every test's result on the mutant, for showing what a learner who made this mistake would read.</param>
public sealed record MutantOutcome(Mutant Mutant, bool Killed, IReadOnlyList<string> KilledBy, string? Problem, TimeSpan Time, IReadOnlyList<TestResult>? Results = null);

/// <summary>
/// The mutation suite: for each chapter, a catalog of the mistakes learners really make (course/mutants/NN-slug.json),
/// each planted in turn into the chapter's reference, in memory, and the gate run on it. A gate proves itself by
/// killing every one; a mutant that survives names a test the gate still lacks.
/// </summary>
public static class MutationSuite
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip };

    public static string CatalogFile(Chapter ch) => $"course/mutants/{ch.Slug}.json";

    /// <exception cref="InvalidDataException">The catalog is missing or malformed; the message names the file.</exception>
    public static IReadOnlyList<Mutant> Load(string root, Chapter ch)
    {
        var path = Path.Combine(root, CatalogFile(ch));
        if (!File.Exists(path))
        {
            return [];
        }
        try
        {
            var mutants = JsonSerializer.Deserialize<List<Mutant>>(File.ReadAllText(path), Json) ?? [];
            var dup = mutants.GroupBy(m => m.Id).FirstOrDefault(g => g.Count() > 1);
            return dup is null ? mutants : throw new InvalidDataException($"{path}: the id {dup.Key} is used twice.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a valid mutant catalog: {e.Message}", e);
        }
    }

    /// <summary>Plants <paramref name="mutant"/> into the reference and runs the chapter's gate on it.</summary>
    public static MutantOutcome Run(FastGate gate, Chapter ch, Mutant mutant)
    {
        var clock = Stopwatch.StartNew();
        var files = FastGate.ReadSources(gate.CodeDir(ch, "solutions"));
        if (!files.TryGetValue(mutant.File, out var text))
        {
            return new MutantOutcome(mutant, false, [], $"{ch.SolutionDir} has no file {mutant.File}.", clock.Elapsed);
        }
        var find = mutant.Find.Replace("\r\n", "\n", StringComparison.Ordinal);
        var count = CountOf(text.Replace("\r\n", "\n", StringComparison.Ordinal), find);
        if (count != 1)
        {
            return new MutantOutcome(mutant, false, [],
                $"its text occurs {count} times in {ch.SolutionDir}/{mutant.File}, not once: the reference changed; update the mutant.", clock.Elapsed);
        }
        files[mutant.File] = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace(find, mutant.Replace.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        var run = gate.Run(ch, "solutions", files, untilFirstFailure: true);
        if (run.CompileErrors.Count > 0)
        {
            return new MutantOutcome(mutant, false, [], $"it does not compile: {run.CompileErrors[0]}", clock.Elapsed);
        }
        if (run.Results is null)
        {
            return new MutantOutcome(mutant, false, [], $"the gate did not run: {run.BuildOutput}", clock.Elapsed);
        }
        var failed = run.Results.Where(r => r.Outcome == "Failed").Select(r => r.Sentence).ToList();
        return new MutantOutcome(mutant, failed.Count > 0, failed.Take(3).ToList(), null, clock.Elapsed, run.Results);
    }

    private static int CountOf(string text, string find)
    {
        var n = 0;
        for (var at = text.IndexOf(find, StringComparison.Ordinal); at >= 0; at = text.IndexOf(find, at + 1, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }
}
