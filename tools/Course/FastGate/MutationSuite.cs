using System.Diagnostics;
using System.Text.Json;

namespace Course.FastGate;

/// <summary>
/// A mistake learners make, as a small patch to a chapter's reference: <see cref="Find"/> (which must occur exactly
/// once in <see cref="File"/>) becomes <see cref="Replace"/>, and so does each edit of <see cref="Also"/> (a mistake
/// made in two places at once, such as a byte order changed in both the writer and the reader).
/// </summary>
/// <param name="Todo">The TODO it belongs to, or the part of the node it breaks.</param>
/// <param name="Mistake">What the learner did, in one line.</param>
/// <param name="Rule">The rule it breaks, with the paper's section.</param>
public sealed record Mutant(string Id, string Todo, string File, string Find, string Replace, string Mistake, string Rule, IReadOnlyList<MutantEdit>? Also = null)
{
    /// <summary>Every edit the mutant makes, the first one first.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IEnumerable<MutantEdit> Edits => [new MutantEdit(File, Find, Replace), .. Also ?? []];
}

/// <summary>One find-and-replace of a <see cref="Mutant"/>.</summary>
public sealed record MutantEdit(string File, string Find, string Replace);

/// <summary>What planting one mutant did to the gate.</summary>
/// <param name="Killed">True if a test of the gate failed, and failed again when run alone.</param>
/// <param name="KilledBy">The tests that failed (the first few; the one that killed first).</param>
/// <param name="Problem">Why the mutant could not be planted or run (its text is not in the file, it does not compile); null if it ran.</param>
/// <param name="Results">Every test's result on the mutant, for showing what a learner who made this mistake would read.</param>
/// <param name="LeftRunning">A test passed its time limit and still runs: the process that ran this mutant is no quiet place for the next.</param>
/// <param name="FirstFailure">The test that killed the mutant (failed, then failed again alone): what a learner who made the mistake reads first.</param>
public sealed record MutantOutcome(Mutant Mutant, bool Killed, IReadOnlyList<string> KilledBy, string? Problem, TimeSpan Time, IReadOnlyList<TestResult>? Results = null,
    bool LeftRunning = false, TestResult? FirstFailure = null);

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

    /// <summary>
    /// Plants <paramref name="mutant"/> into the reference and runs the chapter's gate on it until a test fails. A kill
    /// counts only once the failing test fails again run alone: a test on the real clock can fail because the machine
    /// is busy, and a verdict must not depend on the load. If it passes alone, the whole gate runs and each failure is
    /// tried alone in turn.
    /// </summary>
    public static MutantOutcome Run(FastGate gate, Chapter ch, Mutant mutant)
    {
        var clock = Stopwatch.StartNew();
        var files = FastGate.ReadSources(gate.CodeDir(ch, "solutions"));
        foreach (var edit in mutant.Edits)
        {
            if (!files.TryGetValue(edit.File, out var text))
            {
                return new MutantOutcome(mutant, false, [], $"{ch.SolutionDir} has no file {edit.File}.", clock.Elapsed);
            }
            text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
            var find = edit.Find.Replace("\r\n", "\n", StringComparison.Ordinal);
            var count = CountOf(text, find);
            if (count != 1)
            {
                return new MutantOutcome(mutant, false, [],
                    $"its text occurs {count} times in {ch.SolutionDir}/{edit.File}, not once: the reference changed; update the mutant.", clock.Elapsed);
            }
            files[edit.File] = text.Replace(find, edit.Replace.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        }
        var run = gate.Run(ch, "solutions", files, untilFirstFailure: true);
        if (run.CompileErrors.Count > 0)
        {
            return new MutantOutcome(mutant, false, [], $"it does not compile: {run.CompileErrors[0]}", clock.Elapsed);
        }
        if (run.Results is null)
        {
            return new MutantOutcome(mutant, false, [], $"the gate did not run: {run.BuildOutput}", clock.Elapsed);
        }
        var leftRunning = run.LeftRunning;
        var failed = run.Results.Where(r => r.Outcome == "Failed").ToList();
        var confirmed = Confirm(gate, ch, run, failed);
        if (confirmed is null && failed.Count > 0)
        {
            // The first failure did not fail again alone: look at every test.
            var whole = gate.Run(ch, "solutions", files);
            leftRunning |= whole.LeftRunning;
            if (whole.Results is not null)
            {
                run = whole;
                failed = whole.Results.Where(r => r.Outcome == "Failed").ToList();
                confirmed = Confirm(gate, ch, whole, failed);
            }
        }
        var killedBy = confirmed is null ? failed : [confirmed, .. failed.Where(f => f.Name != confirmed.Name).OrderBy(f => f.Seconds)];
        return new MutantOutcome(mutant, confirmed is not null, killedBy.Select(r => r.Sentence).Take(3).ToList(), null, clock.Elapsed, run.Results, leftRunning,
            confirmed);
    }

    /// <summary>
    /// The first of <paramref name="failed"/> that fails again when run alone, the quickest failure tried first (a test
    /// on the real clock that failed at its deadline takes that long again); null if none does.
    /// </summary>
    private static TestResult? Confirm(FastGate gate, Chapter ch, GateRun run, IReadOnlyList<TestResult> failed)
    {
        foreach (var first in failed.OrderBy(f => f.Seconds))
        {
            // A test given up at its limit has left its thread running: running it again here would only pile up more.
            // Its verdict stands (the process is replaced before the next mutant).
            if (first.Abandoned)
            {
                return first;
            }
            var again = gate.RunAlone(ch, "solutions", run, first.Name);
            if (again is { Outcome: "Failed" })
            {
                return first;
            }
        }
        return null;
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

    /// <summary>
    /// What in a failure's explanation does not read as a sentence: a check that threw, Shouldly's own wording of a check
    /// without a message, tuple fields. Empty when the learner reads the test's rule and what happened in words.
    /// </summary>
    public static IReadOnlyList<string> NotASentence(string explanation)
    {
        var found = new List<string>();
        foreach (var phrase in new[] { "Object reference not set", "should satisfy the condition", "satisfying the condition", "should be True but was", "should be False but was" })
        {
            if (explanation.Contains(phrase, StringComparison.Ordinal))
            {
                found.Add(phrase);
            }
        }
        found.AddRange(Enumerable.Range(1, 7).Select(i => $"Item{i}").Where(item => System.Text.RegularExpressions.Regex.IsMatch(explanation, $@"\b{item}\b")));
        return found;
    }
}
