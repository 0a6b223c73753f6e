using System.Text.RegularExpressions;
using System.Xml.Linq;
using Course;

namespace Workspace.Tests;

// The gate is real: an untouched starter of chapter N fails every test chapter N introduces and
// passes every earlier chapter's test and every common check (rustlings' own check, for Raft).
// The starter is generated afresh from source/Raft, so a learner's edits never affect this proof.
[Collection("builds")]
public sealed partial class GateProofTests
{
    [GeneratedRegex(@"\.Ch(?<nn>\d{2})\.")]
    private static partial Regex ChapterOfTest();

    public static TheoryData<int> ReadyChapters() => [.. Repo.Course.Available.Select(c => c.Number)];

    [Theory]
    [MemberData(nameof(ReadyChapters))]
    public void A_pristine_starter_fails_its_own_chapter_and_passes_the_earlier_ones(int number)
    {
        var ch = Repo.Course[number];
        new ChapterGenerator(Repo.Course).Write(number, Variant.Starter, Path.Combine(Repo.Root, "artifacts", "pristine", ch.Slug));
        var results = Path.Combine(Repo.Root, "artifacts", "gate-proof", ch.Slug);
        if (Directory.Exists(results))
        {
            Directory.Delete(results, recursive: true);
        }

        var (exit, output) = Repo.Run("dotnet",
            $"test tests/{ch.Slug} -p:Against=pristine --logger \"trx;LogFileName=gate.trx\" --results-directory \"{results}\"",
            TimeSpan.FromMinutes(5));

        var trx = Path.Combine(results, "gate.trx");
        File.Exists(trx).ShouldBeTrue($"The gate of the pristine starter did not run (exit {exit}):\n{output}");
        var outcomes = ReadTrx(trx);
        var own = outcomes.Where(o => o.Chapter == number).ToList();
        own.Count.ShouldBeGreaterThanOrEqualTo(12, $"chapter {number}'s gate should have at least 12 tests");
        own.Where(o => o.Result != "Failed").Select(o => o.Name)
            .ShouldBeEmpty($"These chapter {number} tests pass on the untouched starter, so they check nothing the learner writes");
        outcomes.Where(o => o.Chapter != number && o.Result != "Passed").Select(o => $"{o.Name}: {o.Result}")
            .ShouldBeEmpty($"The chapter {number} starter must pass every earlier chapter's test and every common check");
        // The learner reads why: each failure names its TODO or the rule it checks.
        own.Where(o => !o.Message.Contains($"TODO(ch{ch.Nn})", StringComparison.Ordinal) && !o.Message.Contains("§", StringComparison.Ordinal))
            .Select(o => o.Name)
            .ShouldBeEmpty("Each failing test should tell the learner which TODO or which rule of the paper it is about");
    }

    private sealed record TestOutcome(string Name, int? Chapter, string Result, string Message);

    private static List<TestOutcome> ReadTrx(string path)
    {
        XNamespace ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";
        var doc = XDocument.Load(path);
        var classes = doc.Descendants(ns + "UnitTest").ToDictionary(
            t => (string)t.Attribute("id")!,
            t => (string)t.Element(ns + "TestMethod")!.Attribute("className")!);
        return doc.Descendants(ns + "UnitTestResult").Select(r =>
        {
            var className = classes[(string)r.Attribute("testId")!];
            var m = ChapterOfTest().Match(className + ".");
            return new TestOutcome(
                (string)r.Attribute("testName")!,
                m.Success ? int.Parse(m.Groups["nn"].Value, System.Globalization.CultureInfo.InvariantCulture) : null,
                (string)r.Attribute("outcome")!,
                r.Descendants(ns + "Message").FirstOrDefault()?.Value ?? "");
        }).ToList();
    }
}
