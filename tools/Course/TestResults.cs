using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Course;

/// <summary>One test's result, read from a TRX file.</summary>
/// <param name="Chapter">The chapter the test belongs to (from the ChNN part of its namespace), or null for common checks.</param>
/// <param name="StackTrace">Where the failure was thrown, inner exceptions included; empty for a pass.</param>
/// <param name="Abandoned">
/// The fast gate gave up on the test at its time limit: its thread still runs (a thread cannot be stopped), so the
/// process that ran it is no longer a quiet place to run anything that depends on time.
/// </param>
/// <param name="Seconds">How long the test ran, in the fast gate (0 where unknown).</param>
public sealed record TestResult(string Name, string ClassName, int? Chapter, bool Passed, string Outcome, string Message, string StackTrace = "",
    bool Abandoned = false, double Seconds = 0)
{
    /// <summary>The TODOs whose stand-ins ran during the test (the fast gate listens; `dotnet test` does not).</summary>
    public IReadOnlyList<string> StandIns { get; init; } = [];

    /// <summary>The test's method name as a sentence.</summary>
    public string Sentence => (Name.Contains('(') ? Name[..Name.IndexOf('(')] : Name).Split('.')[^1].Replace('_', ' ');
}

/// <summary>Reads the TRX files `dotnet test --logger trx` writes.</summary>
public static partial class TestResults
{
    [GeneratedRegex(@"\.Ch(?<nn>\d{2})\.")]
    private static partial Regex ChapterOfClass();

    /// <summary>The chapter a test class belongs to, from the ChNN part of its namespace; null for common checks.</summary>
    public static int? ChapterOf(string className) =>
        ChapterOfClass().Match(className + ".") is { Success: true } m
            ? int.Parse(m.Groups["nn"].Value, System.Globalization.CultureInfo.InvariantCulture)
            : null;

    public static IReadOnlyList<TestResult> ReadTrx(string path)
    {
        XNamespace ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";
        var doc = XDocument.Load(path);
        var classes = doc.Descendants(ns + "UnitTest").ToDictionary(
            t => (string)t.Attribute("id")!,
            t => (string?)t.Element(ns + "TestMethod")?.Attribute("className") ?? "");
        return doc.Descendants(ns + "UnitTestResult").Select(r =>
        {
            var className = classes.GetValueOrDefault((string)r.Attribute("testId")!, "");
            var outcome = (string?)r.Attribute("outcome") ?? "Unknown";
            return new TestResult(
                (string)r.Attribute("testName")!,
                className,
                ChapterOf(className),
                outcome == "Passed",
                outcome,
                r.Descendants(ns + "Message").FirstOrDefault()?.Value ?? "",
                r.Descendants(ns + "StackTrace").FirstOrDefault()?.Value ?? "");
        }).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }
}
