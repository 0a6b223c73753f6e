namespace Course.Carry;

/// <summary>A learner's chapter folder on disk: read it, back it up, write a carried starter into it.</summary>
public static class ChapterFolder
{
    /// <summary>Where the progress tool keeps the starter it wrote for each chapter (what `reset` puts back).</summary>
    public static string StarterCopy(string root, Chapter ch) => Path.Combine(root, ".progress", "starters", ch.Slug);

    /// <summary>The chapter's C# files and project, by path relative to <paramref name="dir"/>; empty if it does not exist.</summary>
    public static Dictionary<string, string> Read(string dir) =>
        !Directory.Exists(dir)
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : SourceTree.Files(dir, f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal))
                .ToDictionary(f => Path.GetRelativePath(dir, f).Replace('\\', '/'), File.ReadAllText, StringComparer.Ordinal);

    /// <summary>Copies the folder, without build output, to .progress/backups/SLUG-WHEN; returns where.</summary>
    public static string? Backup(string root, Chapter ch)
    {
        var dir = Path.Combine(root, ch.StarterDir);
        if (!Directory.Exists(dir))
        {
            return null;
        }
        var backup = Path.Combine(root, ".progress", "backups", $"{ch.Slug}-{DateTime.Now:yyyyMMdd-HHmmss-fff}");
        for (var n = 2; Directory.Exists(backup); n++)
        {
            backup = Path.Combine(root, ".progress", "backups", $"{ch.Slug}-{DateTime.Now:yyyyMMdd-HHmmss-fff}-{n}"); // never into an earlier backup
        }
        Copy(dir, backup);
        return backup;
    }

    /// <summary>Copies <paramref name="from"/> to <paramref name="to"/>, leaving bin/ and obj/ behind.</summary>
    public static void Copy(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, file);
            if (SourceTree.IsBuildOutput(rel.Replace('\\', '/')))
            {
                continue;
            }
            var target = Path.Combine(to, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    /// <summary>
    /// Makes the chapter's folder hold exactly <paramref name="files"/> (C# files and the project; build output and
    /// other files stay), and keeps a copy of them as the chapter's starter for `reset` if <paramref name="recordStarter"/>.
    /// </summary>
    public static void Write(string root, Chapter ch, IReadOnlyDictionary<string, string> files, bool recordStarter = true)
    {
        var dir = Path.Combine(root, ch.StarterDir);
        foreach (var stale in Read(dir).Keys.Where(k => !files.ContainsKey(k)))
        {
            File.Delete(Path.Combine(dir, stale));
        }
        foreach (var (rel, text) in files)
        {
            var full = Path.Combine(dir, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
        if (!recordStarter)
        {
            return;
        }
        var copy = StarterCopy(root, ch);
        if (Directory.Exists(copy))
        {
            Directory.Delete(copy, recursive: true);
        }
        Copy(dir, copy);
    }

    /// <summary>
    /// True if the learner has not changed <paramref name="ch"/>'s folder since it was written (by the progress tool, or as
    /// the course's starter): then carrying into it replaces nothing of theirs.
    /// </summary>
    public static bool Untouched(string root, Chapter ch, IReadOnlyDictionary<string, string>? courseStarter)
    {
        var dir = Path.Combine(root, ch.StarterDir);
        if (!Directory.Exists(dir))
        {
            return true;
        }
        var now = Read(dir);
        var copy = StarterCopy(root, ch);
        var written = Directory.Exists(copy) ? Read(copy) : courseStarter is null ? null : new Dictionary<string, string>(courseStarter, StringComparer.Ordinal);
        if (written is null)
        {
            return false;
        }
        static string N(string s) => s.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n');
        return now.Count == written.Count(w => w.Key.EndsWith(".cs", StringComparison.Ordinal) || w.Key.EndsWith(".csproj", StringComparison.Ordinal))
               && now.All(f => written.TryGetValue(f.Key, out var w) && N(w) == N(f.Value));
    }
}
