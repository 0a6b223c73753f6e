namespace Course;

/// <summary>The files of a project folder that are its source, not its build output (bin/ and obj/, in any mode).</summary>
public static class SourceTree
{
    /// <summary>True if <paramref name="path"/> lies in a bin/ or obj/ folder.</summary>
    public static bool IsBuildOutput(string path)
    {
        var p = path.Replace('\\', '/');
        return p.StartsWith("bin/", StringComparison.Ordinal) || p.StartsWith("obj/", StringComparison.Ordinal)
               || p.Contains("/bin/", StringComparison.Ordinal) || p.Contains("/obj/", StringComparison.Ordinal);
    }

    /// <summary>The files under <paramref name="dir"/> (none if it is missing) that <paramref name="keep"/> accepts, outside build output, in ordinal order, as full paths.</summary>
    public static IEnumerable<string> Files(string dir, Func<string, bool> keep) =>
        Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                .Where(f => keep(f) && !IsBuildOutput(Path.GetRelativePath(dir, f)))
                .Order(StringComparer.Ordinal)
            : [];

    /// <summary>What a project's build is made of: C# files, project files, props and targets.</summary>
    public static bool IsBuildInput(string path) =>
        path.EndsWith(".cs", StringComparison.Ordinal) || path.EndsWith("proj", StringComparison.Ordinal)
        || path.EndsWith(".props", StringComparison.Ordinal) || path.EndsWith(".targets", StringComparison.Ordinal);

    /// <summary>The lines of a `dotnet build` or `dotnet test` output that report errors, each once.</summary>
    public static IEnumerable<string> ErrorLines(string buildOutput, int most) =>
        buildOutput.Split('\n').Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Select(l => l.Trim()).Distinct().Take(most);
}
