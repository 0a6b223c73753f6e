using System.Reflection;

namespace Raft.Gate;

/// <summary>What the build told this test assembly: which chapter, which code, where the repository is.</summary>
public static class GateInfo
{
    private static string Metadata(string key) =>
        typeof(GateInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"The test assembly has no {key} metadata; build it through tests/Directory.Build.targets.");

    /// <summary>The repository root, with a trailing separator.</summary>
    public static string RepoRoot => Metadata("RepoRoot");

    /// <summary>The chapter this test project gates, e.g. 01-node-setup.</summary>
    public static string ChapterSlug => Metadata("ChapterSlug");

    /// <summary>chapters (the learner's code), solutions (the reference) or pristine (an untouched starter).</summary>
    public static string Against => Metadata("Against");

    /// <summary>The folder of the code under test.</summary>
    public static string ChapterDir => Metadata("ChapterDir");

    /// <summary>The seed named by RAFT_SEED, if any: then every scenario runs that seed only.</summary>
    public static long? SeedOverride
    {
        get
        {
            var text = Environment.GetEnvironmentVariable("RAFT_SEED");
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }
            return long.TryParse(text, out var seed)
                ? seed
                : throw new ArgumentException($"RAFT_SEED must be a whole number, such as RAFT_SEED=7; it is \"{text}\".");
        }
    }

    /// <summary>
    /// How many seeds a randomized scenario that honours it should run (RAFT_SEEDS=N, a soak), if set. RAFT_SEED, which
    /// replays one seed, wins over it.
    /// </summary>
    public static int? SeedCount
    {
        get
        {
            var text = Environment.GetEnvironmentVariable("RAFT_SEEDS");
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }
            return int.TryParse(text, out var count) && count > 0
                ? count
                : throw new ArgumentException($"RAFT_SEEDS must be a positive whole number, such as RAFT_SEEDS=10000; it is \"{text}\".");
        }
    }
}
