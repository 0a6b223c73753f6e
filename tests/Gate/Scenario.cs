using System.Runtime.CompilerServices;
using Raft.Simulation;

namespace Raft.Gate;

/// <summary>
/// Runs a cluster scenario over many seeds. When a seed fails, the failure says in sentences what
/// broke and which rule of the paper it is, draws the run into an HTML file, and gives the one
/// command that replays exactly that seed.
/// </summary>
public static class Scenario
{
    /// <summary>
    /// Runs <paramref name="body"/> on a fresh cluster for seeds 1..<paramref name="seeds"/>
    /// (or only the seed in RAFT_SEED).
    /// </summary>
    /// <param name="rule">The rule the scenario checks, with its paper section, in one sentence.</param>
    public static void ForSeeds(
        int seeds,
        string rule,
        Action<SimCluster<RaftNode>> body,
        int nodes = 3,
        NetworkOptions? network = null,
        RaftOptions? raft = null,
        Func<int, RaftOptions>? raftFor = null,
        [CallerFilePath] string file = "",
        [CallerMemberName] string test = "")
    {
        IEnumerable<long> list = GateInfo.SeedOverride is { } only ? [only] : Enumerable.Range(1, seeds).Select(s => (long)s);
        foreach (var seed in list)
        {
            using var cluster = Cluster.Create(seed, nodes, network, raft, raftFor);
            try
            {
                body(cluster);
            }
            catch (Exception e)
            {
                throw Failure(e, cluster.Trace, seed, rule, Path.GetFileNameWithoutExtension(file), test);
            }
        }
    }

    /// <summary>Turns an exception inside a scenario into the message a learner reads.</summary>
    public static GateFailedException Failure(Exception e, Trace trace, long seed, string rule, string testClass, string test)
    {
        var what = e is SimulationFailedException s
            ? $"{s.Rule} ({s.Section}) at {TraceEvent.Milliseconds(s.At)} ms: {s.Sentence}"
            : e.Message.Trim();
        var picture = Path.Combine(GateInfo.RepoRoot, "artifacts", "failures", GateInfo.ChapterSlug, $"{testClass}.{test}.seed{seed}.html");
        string drawn;
        try
        {
            drawn = new Timeline(trace).WriteHtml(picture, $"{Humanize(test)} (seed {seed})", $"Rule: {rule}\nWhat happened: {what}");
        }
        catch (IOException io)
        {
            drawn = $"(could not write {picture}: {io.Message})";
        }
        var mode = GateInfo.Against == "chapters" ? "" : $" -p:Against={GateInfo.Against}";
        var message =
            $"{Humanize(test)}: failed with seed {seed}.\n" +
            $"Rule: {rule}\n" +
            $"What happened: {what}\n" +
            $"Picture of the run: {drawn}\n" +
            $"Replay exactly this run: dotnet test tests/{GateInfo.ChapterSlug}{mode} --filter \"FullyQualifiedName~{testClass}.{test}\" -e RAFT_SEED={seed}";
        return new GateFailedException(message, e);
    }

    public static string Humanize(string test) => test.Replace('_', ' ');
}

/// <summary>A gate scenario failed; the message is written for the learner.</summary>
public sealed class GateFailedException(string message, Exception inner) : Exception(message, inner);
