using System.Reflection;
using Course;

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

/// <summary>The tests of this project that start builds share one collection, so they never build at once.</summary>
[CollectionDefinition("builds", DisableParallelization = true)]
public sealed class BuildCollection;
