namespace Course.Notebooks;

/// <summary>
/// Every notebook of the course and its file-based app, written from course/notebooks/NN-slug.md (one source each,
/// prose and C#) and course/notebooks/_macros.md: notebooks/NN-slug.ipynb and notebooks/NN-slug.cs.
/// </summary>
public sealed class NotebookSet(CourseManifest course)
{
    public const string SourceDir = "course/notebooks";
    public const string OutputDir = "notebooks";

    private string Root => course.Root;

    /// <summary>Every generated file, by path relative to the repository root.</summary>
    public SortedDictionary<string, string> Render()
    {
        var sourceDir = Path.Combine(Root, SourceDir);
        var macrosFile = Path.Combine(sourceDir, "_macros.md");
        var macros = NotebookSource.ParseMacros(File.ReadAllText(macrosFile), $"{SourceDir}/_macros.md");
        var todos = TodoCatalog.Load(Root);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(sourceDir, "*.md").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (name.StartsWith('_'))
            {
                continue;
            }
            var doc = NotebookSource.Parse(name, File.ReadAllText(path), $"{SourceDir}/{name}.md");
            var number = int.Parse(doc.Nn, System.Globalization.CultureInfo.InvariantCulture);
            var chapter = course.Chapters.FirstOrDefault(c => c.Number == number && c.Slug == name);
            string Fill(string template) => template
                .Replace("{slug}", name, StringComparison.Ordinal)
                .Replace("{nn}", doc.Nn, StringComparison.Ordinal)
                .Replace("{n}", number.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            var cells = new List<(bool Code, string Text, string? Expect)>();
            foreach (var cell in doc.Cells)
            {
                string Macro(string key) => macros.TryGetValue(key, out var t)
                    ? Fill(t)
                    : throw new InvalidDataException($"{SourceDir}/{name}.md:{cell.Line}: {SourceDir}/_macros.md has no macro {key}.");
                var text = cell.Macro switch
                {
                    null => cell.Text,
                    "todos" => Macro("todos").Replace("{rows}", string.Join("\n", (todos.GetValueOrDefault(number) ?? [])
                        .Select(t => $"| `{t.Id}` | `{t.File}` | {t.Instruction.Replace("|", "\\|", StringComparison.Ordinal)} |")), StringComparison.Ordinal),
                    var m => cell.Text.Length == 0 ? Macro(m) : Macro(m) + "\n" + cell.Text,
                };
                cells.Add((cell.Code, text.Trim('\n'), cell.Expect));
            }
            files[$"{OutputDir}/{name}.ipynb"] = NotebookWriter.Write(doc.Nn, cells);
            var loadUsings = macros.TryGetValue("load", out var load) ? load.Split('\n').Where(l => l.StartsWith("using ", StringComparison.Ordinal)) : [];
            files[$"{OutputDir}/{name}.cs"] = NotebookApp.Write(doc, chapter?.Title ?? FirstHeading(doc), chapter is not null, loadUsings);
        }
        return files;
    }

    private static string FirstHeading(NotebookDocument doc) =>
        doc.Cells.Where(c => !c.Code).SelectMany(c => c.Text.Split('\n')).FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal))?[2..].Trim() ?? doc.Slug;

    public void Write()
    {
        foreach (var (rel, text) in Render())
        {
            File.WriteAllText(Path.Combine(Root, rel), text);
        }
    }

    /// <summary>The generated files that differ from what is committed (empty when in step).</summary>
    public IReadOnlyList<string> Check()
    {
        var problems = new List<string>();
        foreach (var (rel, text) in Render())
        {
            var full = Path.Combine(Root, rel);
            if (!File.Exists(full))
            {
                problems.Add($"{rel} is missing");
            }
            else if (File.ReadAllText(full).Replace("\r\n", "\n", StringComparison.Ordinal) != text)
            {
                problems.Add($"{rel} differs from what {SourceDir} generates");
            }
        }
        return problems;
    }
}
