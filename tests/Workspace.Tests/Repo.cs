using System.Reflection;
using Course;

// No limit on the threads that run collections at once: with a limit, xunit runs async tests on a pool of that many
// threads, and the mutation suite (which waits for its worker processes) and a builds test that waits on an async
// call could take both of a 2-core machine's and wait on each other forever.
[assembly: CollectionBehavior(MaxParallelThreads = -1)]

namespace Workspace.Tests;

internal static class Repo
{
    public static string Root { get; } =
        typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "RepoRoot").Value!;

    /// <summary>chapters or solutions: what the surrounding `dotnet test` was asked to test.</summary>
    public static string Against { get; } =
        typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "Against").Value!;

    public static CourseManifest Course { get; } = CourseManifest.Load(Root);

    /// <summary>The numbers of the ready chapters, for a theory that runs once per chapter.</summary>
    public static TheoryData<int> ReadyChapters() => [.. Course.Available.Select(c => c.Number)];
}

/// <summary>
/// The tests of this project that start builds share one collection, so they never build at once. It runs beside the
/// other collections (the mutation suite above all): much of its time is spent waiting on processes, sockets and the
/// real clock, and a 2-core machine would otherwise sit half idle for minutes.
/// </summary>
[CollectionDefinition("builds")]
public sealed class BuildCollection;

/// <summary>
/// The mutation suite: it starts no build (its workers compile the reference's mutants in memory against the gates
/// the test command built), so it runs beside the builds. Its verdicts do not depend on load: a kill counts only if
/// the failing test fails again alone.
/// </summary>
[CollectionDefinition("mutants")]
public sealed class MutantCollection;
