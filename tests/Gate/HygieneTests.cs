using System.Text.RegularExpressions;

namespace Raft.Gate.Common;

// Not a chapter's behaviour but a condition for every chapter: node code takes time, randomness and
// scheduling only from its NodeContext, so the simulator can replay every run. (A starter passes it.)
public sealed partial class HygieneTests
{
    [GeneratedRegex(@"DateTime(Offset)?\.(Utc)?Now|Thread\.Sleep|new Random\(|Random\.Shared|Environment\.TickCount|Stopwatch|Guid\.NewGuid|ConfigureAwait\(false\)|Task\.Run\(|Parallel\.|new Thread\(|ReadAllAsync\(|\.Result\b|\.Wait\(\)")]
    private static partial Regex Forbidden();

    // A Task.Delay must name the node's clock (the TimeProvider argument), or it waits on the wall clock.
    [GeneratedRegex(@"Task\.Delay\(")]
    private static partial Regex Delay();

    [GeneratedRegex(@"[Tt]ime\s*[,)]|TimeProvider")]
    private static partial Regex WithClock();

    private static readonly string[] RealWorld = ["Connections", "Hosting"];

    private static bool LeavesSimulation(string line) =>
        Forbidden().IsMatch(line) || (Delay().IsMatch(line) && !WithClock().IsMatch(line));

    [Fact]
    public void Node_code_uses_only_the_clock_randomness_and_threads_it_is_given()
    {
        var offenders = Directory.EnumerateFiles(GateInfo.ChapterDir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            // Chapter 6's Connections and Hosting folders run a node in the real world (sockets, an event-loop thread, the
            // real clock): leaving the simulation is their job. The node they run is the same simulated code, checked here.
            .Where(f => !RealWorld.Any(folder => Path.GetRelativePath(GateInfo.ChapterDir, f).StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => !l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal) && LeavesSimulation(l.Text))
            .Select(l => $"{Path.GetRelativePath(GateInfo.RepoRoot, l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToList();

        offenders.ShouldBeEmpty(
            "These lines leave the simulation, so runs could not be replayed from their seed. Use `await Task.Delay(t, _context.Time, ct)`, " +
            "`_context.Time.GetUtcNow()` and `_context.Random`; never ConfigureAwait(false), Task.Run, threads, ReadAllAsync or the wall clock.");
    }
}
