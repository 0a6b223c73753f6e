using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Course;

/// <summary>A gate's counts for one state of the code.</summary>
public sealed record Verdict(int Passed, int Failed, int Total);

/// <summary>
/// The last verdict of each chapter's gate, for each state of the code it ran on (.progress/verdicts.json): the watch,
/// `check` and `status` write it, so `status` draws its table at once and runs a gate only for a chapter whose code or
/// tests changed since.
/// </summary>
public sealed class Verdicts(string root)
{
    private string FileName => Path.Combine(root, ".progress", "verdicts.json");

    /// <summary>
    /// A hash of everything a chapter's gate result depends on: the code it runs on, the tests, the simulator, and the
    /// variables that choose the seeds (a run of one seed, RAFT_SEED, is not the gate's verdict).
    /// </summary>
    public string Fingerprint(Chapter ch, string against)
    {
        var dirs = new[] { against == "solutions" ? ch.SolutionDir : ch.StarterDir, "tests", "src" };
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var variable in (string[])["RAFT_SEED", "RAFT_SEEDS"])
        {
            sha.AppendData(Encoding.UTF8.GetBytes($"{variable}={Environment.GetEnvironmentVariable(variable)}\n"));
        }
        foreach (var file in dirs.SelectMany(d => SourceTree.Files(Path.Combine(root, d), SourceTree.IsBuildInput)))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(root, file)));
            sha.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexString(sha.GetHashAndReset())[..16];
    }

    private static string Key(Chapter ch, string against, string fingerprint) => $"{ch.Slug}:{against}:{fingerprint}";

    /// <summary>The verdict recorded for this state of the chapter's code, if any.</summary>
    public Verdict? Find(Chapter ch, string against, string fingerprint) => Load().GetValueOrDefault(Key(ch, against, fingerprint));

    /// <summary>
    /// Records the verdict of a run that started on the state <paramref name="fingerprint"/>; the chapter's earlier ones go
    /// (only the latest state's is worth keeping). A later verdict for the same state replaces it (`dotnet test`
    /// confirming or contradicting the fast gate). Returns false, recording nothing, if a file changed during the run:
    /// the run may have compiled some of the old files and some of the new, so its verdict belongs to no state.
    /// </summary>
    public bool Record(Chapter ch, string against, string fingerprint, IReadOnlyList<TestResult> results)
    {
        if (Fingerprint(ch, against) != fingerprint)
        {
            return false;
        }
        var all = Load();
        foreach (var stale in all.Keys.Where(k => k.StartsWith($"{ch.Slug}:{against}:", StringComparison.Ordinal)).ToList())
        {
            all.Remove(stale);
        }
        var passed = results.Count(r => r.Passed);
        all[Key(ch, against, fingerprint)] = new Verdict(passed, results.Count - passed, results.Count);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FileName)!);
            var temporary = $"{FileName}.{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(all));
            File.Move(temporary, FileName, overwrite: true);
        }
        catch (IOException)
        {
            // Another tool wrote it at the same moment: the verdict is only a cache.
        }
        return true;
    }

    private Dictionary<string, Verdict> Load()
    {
        try
        {
            return File.Exists(FileName) ? JsonSerializer.Deserialize<Dictionary<string, Verdict>>(File.ReadAllText(FileName)) ?? [] : [];
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return []; // a damaged cache only costs a rerun
        }
    }
}
