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
    /// <param name="build">Makes the cluster for a seed, when the defaults (<see cref="Cluster.Create"/>) do not fit.</param>
    public static void ForSeeds(
        int seeds,
        string rule,
        Action<SimCluster<RaftNode>> body,
        int nodes = 3,
        NetworkOptions? network = null,
        RaftOptions? raft = null,
        Func<int, RaftOptions>? raftFor = null,
        Func<long, SimCluster<RaftNode>>? build = null,
        [CallerFilePath] string file = "",
        [CallerMemberName] string test = "")
    {
        if (seeds < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "A scenario runs at least one seed: with none it would check nothing and pass.");
        }
        IEnumerable<long> list = GateInfo.SeedOverride is { } only ? [only] : Enumerable.Range(1, seeds).Select(s => (long)s);
        foreach (var seed in list)
        {
            using var cluster = build?.Invoke(seed) ?? Cluster.Create(seed, nodes, network, raft, raftFor);
            try
            {
                body(cluster);
            }
            catch (Exception e)
            {
                throw Failure(e, cluster.Trace, seed, rule, Path.GetFileNameWithoutExtension(file), test, Logs(cluster));
            }
        }
    }

    /// <summary>The last entries of every live node's log, with its role, term and commitIndex: what the picture's lanes cannot show.</summary>
    public static string Logs(SimCluster<RaftNode> cluster)
    {
        const int shown = 12;
        return string.Join('\n', cluster.NodeIds.Select(id =>
        {
            if (!cluster.IsUp(id))
            {
                return $"node {id}: crashed";
            }
            var n = cluster.Node(id);
            var from = Math.Max(0, n.Log.Count - shown);
            var entries = string.Join(" ", n.Log.Skip(from).Select((e, i) => $"[{from + i + 1}] {e.Term}:{e.Command}"));
            return $"node {id}: {n.Role}, term {n.CurrentTerm}, commitIndex {n.CommitIndex}, {n.Log.Count} entries" +
                   (n.Log.Count == 0 ? "" : $": {(from > 0 ? "… " : "")}{entries}");
        }));
    }

    /// <summary>How much of a run before its failure the picture shows.</summary>
    public static readonly TimeSpan PictureSpan = TimeSpan.FromSeconds(3);

    /// <summary>Turns an exception inside a scenario into the message a learner reads.</summary>
    public static GateFailedException Failure(Exception e, Trace trace, long seed, string rule, string testClass, string test, string? logs = null)
    {
        var what = e is SimulationFailedException s
            ? $"{s.Rule} ({s.Section}) at {TraceEvent.Milliseconds(s.At)} ms: {s.Sentence}"
            : e is ShouldAssertException or GateFailedException or NotImplementedException
                ? AssertionText.SentenceFirst(e.Message).Trim().Replace("\n", " ", StringComparison.Ordinal)
                : AssertionText.CheckBroke(e);
        var picture = Path.Combine(GateInfo.RepoRoot, "artifacts", "failures", GateInfo.ChapterSlug, $"{testClass}.{test}.seed{seed}.html");
        var end = e is SimulationFailedException f ? f.At : trace.Events.Count > 0 ? trace.Events[^1].At : TimeSpan.Zero;
        string drawn;
        try
        {
            drawn = Timeline.Around(trace, end, PictureSpan).WriteHtml(picture, $"{Humanize(test)} (seed {seed})",
                $"Rule: {rule}\nWhat happened: {what}" + (logs is null ? "" : $"\n\nLogs when the run stopped (index term:command):\n{logs}"));
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
