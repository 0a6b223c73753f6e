using System.Text;
using System.Text.RegularExpressions;

namespace Course;

/// <summary>Which copy of a chapter to produce.</summary>
public enum Variant
{
    /// <summary>chapters/NN-slug: earlier chapters solved, this chapter's TODOs as stubs.</summary>
    Starter,

    /// <summary>solutions/NN-slug: everything up to this chapter solved.</summary>
    Solution,
}

/// <summary>How a TODO's block is rendered.</summary>
public enum TodoForm
{
    /// <summary>The reference's code.</summary>
    Solution,

    /// <summary>The stub: the TODO comment and a throw.</summary>
    Stub,

    /// <summary>As the TODO's own chapter's starter has it: the stub, or its //@starter stand-in where it has one.</summary>
    Starter,
}

/// <summary>A TODO of a chapter, as the starter shows it.</summary>
/// <param name="Instruction">What must hold when it is written, and why: the stub's comment and the README's line.</param>
/// <param name="Method">The method the TODO is in.</param>
/// <param name="Code">The reference's code for it: the last level of `hint`, never in a starter or README.</param>
public sealed record TodoItem(int Chapter, string Id, string Instruction, string File, int Line, string Method = "", string Code = "");

/// <summary>
/// Turns the one annotated source (course/source) into every chapter's starter and reference solution,
/// so code shared by chapters is written once. Directives are whole-line comments:
/// <list type="bullet">
/// <item><c>//@since NN</c> as a file's first line: the file exists from chapter NN on.</item>
/// <item><c>//@since NN</c> ... <c>//@end</c>: lines that exist from chapter NN on.</item>
/// <item><c>//@before NN</c> ... <c>//@end</c>: lines that exist only before chapter NN, written in the
/// source behind <c>//~ </c> so the source itself stays the latest chapter.</item>
/// <item><c>//@todo NN Id: instruction</c> ... <c>//@end</c>: the solution of a TODO of chapter NN. Chapter NN's
/// starter gets <c>// TODO(chNN): instruction</c> and a <c>throw new NotImplementedException(...)</c> instead;
/// later starters and all solutions from NN on get the lines between. Code after a TODO block in the
/// same method becomes unreachable in the starter, so a TODO block should end its method.</item>
/// <item>Inside a TODO block, <c>//@starter</c> followed by lines behind <c>//~ </c>: what chapter NN's starter runs
/// instead of throwing. Use it only where the stub sits on a path that earlier chapters' behaviour needs (the
/// starter must pass every earlier chapter's gate), and keep the earlier behaviour there, so the new chapter's
/// tests fail and the old ones pass.</item>
/// </list>
/// </summary>
public sealed partial class ChapterGenerator(CourseManifest course)
{
    /// <summary>The first line of every generated solution file.</summary>
    public const string SolutionHeader = "// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.";

    [GeneratedRegex(@"^(?<indent>\s*)//@(?<verb>since|before|todo|starter|end)\b\s*(?<rest>.*)$")]
    private static partial Regex Directive();

    [GeneratedRegex(@"^(?<nn>\d{2})\s+(?<id>[A-Za-z][A-Za-z0-9]*):\s*(?<text>.+)$")]
    private static partial Regex TodoArgs();

    public CourseManifest Course { get; } = course;

    /// <summary>Every file of chapter <paramref name="chapter"/>'s <paramref name="variant"/>, by path relative to its folder.</summary>
    public SortedDictionary<string, string> Render(int chapter, Variant variant) =>
        Render(chapter, variant, t => variant == Variant.Solution || t < chapter ? TodoForm.Solution : TodoForm.Starter);

    /// <summary>
    /// Chapter <paramref name="chapter"/>'s files with each TODO in the form <paramref name="form"/> gives for its chapter
    /// (carrying a learner's code forward renders earlier chapters' TODOs as stubs, to merge the learner's code into them).
    /// </summary>
    public SortedDictionary<string, string> Render(int chapter, Variant variant, Func<int, TodoForm> form)
    {
        var ch = Course[chapter];
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var todos = new List<TodoItem>();
        foreach (var (rel, source) in SourceFiles())
        {
            var text = Transform(rel, source, chapter, form, todos);
            if (text is not null)
            {
                files[rel] = variant == Variant.Solution ? SolutionHeader + "\n" + text : text;
            }
        }
        files[$"{ch.AssemblyName}{(variant == Variant.Solution ? ".Solution" : "")}.csproj"] = ProjectFile(ch, variant);
        if (variant == Variant.Starter)
        {
            files["README.md"] = StarterReadme(ch, todos.Where(t => t.Chapter == chapter).ToList());
        }
        return files;
    }

    /// <summary>The TODOs of chapter <paramref name="chapter"/>, with where they stand in its starter.</summary>
    public IReadOnlyList<TodoItem> Todos(int chapter)
    {
        var todos = new List<TodoItem>();
        foreach (var (rel, source) in SourceFiles())
        {
            Transform(rel, source, chapter, t => t < chapter ? TodoForm.Solution : TodoForm.Starter, todos);
        }
        return todos.Where(t => t.Chapter == chapter).ToList();
    }

    /// <summary>
    /// The annotated source, by path relative to it: course/source in the full course; in a learner's copy, which has no
    /// course/source, the course's pack (see <see cref="CoursePack"/>).
    /// </summary>
    public IReadOnlyList<(string Rel, string Text)> SourceFiles()
    {
        var sourceRoot = Path.Combine(Course.Root, Course.SourceDir);
        if (Directory.Exists(sourceRoot))
        {
            return [.. Directory.EnumerateFiles(sourceRoot, "*.cs", SearchOption.AllDirectories)
                .Select(p => (Rel: Path.GetRelativePath(sourceRoot, p).Replace('\\', '/'), Path: p))
                .Where(p => !p.Rel.StartsWith("bin/", StringComparison.Ordinal) && !p.Rel.StartsWith("obj/", StringComparison.Ordinal))
                .OrderBy(p => p.Rel, StringComparer.Ordinal)
                .Select(p => (p.Rel, File.ReadAllText(p.Path)))];
        }
        return CoursePack.Read(Course.Root) is { } pack
            ? [.. pack.Files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => (f.Key, f.Value))]
            : throw new InvalidDataException($"This copy of the course has neither {Course.SourceDir} nor its pack ({CoursePack.FileName}): it cannot write a chapter.");
    }

    /// <summary>Where <see cref="TodoCatalog"/> is written, relative to the root.</summary>
    public const string TodoCatalogFile = "course/todos.json";

    /// <summary>
    /// Every ready chapter's TODOs, with what must hold, where, in which method, and the reference's code: the one
    /// list the progress tool, the chapter READMEs and the notebooks all name (see <see cref="TodoCatalog"/>).
    /// </summary>
    public string RenderTodoCatalog() =>
        global::Course.TodoCatalog.Serialize(Course.Available.ToDictionary(c => c.Number, c => Todos(c.Number)));

    /// <summary>Writes <see cref="TodoCatalogFile"/>.</summary>
    public void WriteTodoCatalog() => File.WriteAllText(Path.Combine(Course.Root, TodoCatalogFile), RenderTodoCatalog());

    /// <summary>Writes a rendering into <paramref name="targetDir"/>, replacing the files it generates and deleting stale .cs files.</summary>
    public void Write(int chapter, Variant variant, string targetDir)
    {
        var files = Render(chapter, variant);
        Directory.CreateDirectory(targetDir);
        foreach (var stale in ExistingSourceFiles(targetDir).Where(f => !files.ContainsKey(f)))
        {
            File.Delete(Path.Combine(targetDir, stale));
        }
        foreach (var (rel, text) in files)
        {
            var full = Path.Combine(targetDir, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
    }

    /// <summary>
    /// The differences between what the source generates and what is committed: an empty list means
    /// every chapter is in step with course/source.
    /// </summary>
    public IReadOnlyList<string> Check(bool includeStarters)
    {
        var problems = new List<string>();
        var catalog = Path.Combine(Course.Root, TodoCatalogFile);
        if (!File.Exists(catalog) || Normalize(File.ReadAllText(catalog)) != Normalize(RenderTodoCatalog()))
        {
            problems.Add($"{TodoCatalogFile} differs from what {Course.SourceDir} generates");
        }
        foreach (var ch in Course.Available)
        {
            var variants = includeStarters ? new[] { Variant.Solution, Variant.Starter } : [Variant.Solution];
            foreach (var variant in variants)
            {
                var dir = Path.Combine(Course.Root, variant == Variant.Solution ? ch.SolutionDir : ch.StarterDir);
                var files = Render(ch.Number, variant);
                foreach (var (rel, text) in files)
                {
                    var full = Path.Combine(dir, rel);
                    if (!File.Exists(full))
                    {
                        problems.Add($"{Path.GetRelativePath(Course.Root, full)} is missing");
                    }
                    else if (Normalize(File.ReadAllText(full)) != Normalize(text))
                    {
                        problems.Add($"{Path.GetRelativePath(Course.Root, full)} differs from what {Course.SourceDir} generates");
                    }
                }
                foreach (var extra in ExistingSourceFiles(dir).Where(f => !files.ContainsKey(f)))
                {
                    problems.Add($"{Path.GetRelativePath(Course.Root, Path.Combine(dir, extra))} is not generated by {Course.SourceDir}");
                }
            }
        }
        return problems;
    }

    private static string Normalize(string s) => s.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static IEnumerable<string> ExistingSourceFiles(string dir) =>
        !Directory.Exists(dir)
            ? []
            : Directory.EnumerateFiles(dir, "*.*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
                .Where(f => !f.StartsWith("bin/", StringComparison.Ordinal) && !f.StartsWith("obj/", StringComparison.Ordinal))
                .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal));

    /// <summary>Applies the directives of one source file for one chapter; null if the file does not exist yet.</summary>
    private static string? Transform(string file, string source, int chapter, Func<int, TodoForm> form, List<TodoItem> todos)
    {
        var lines = Normalize(source).Split('\n');
        var output = new StringBuilder();
        // Each open block: its kind, its chapter, whether its lines are kept, and for a TODO its id and indentation.
        var stack = new Stack<(string Verb, int Chapter, bool Keep, int Line, string Id, string Indent)>();
        var first = lines.FirstOrDefault(l => l.Trim().Length > 0) ?? "";
        var fileSince = 1;
        var start = 0;
        if (Directive().Match(first) is { Success: true } m0 && m0.Groups["verb"].Value == "since")
        {
            // A `//@since NN` first line with no //@end of its own is about the whole file.
            // (A //@starter section shares its //@todo's //@end.)
            var opens = lines.Count(l => Directive().Match(l) is { Success: true } d && d.Groups["verb"].Value is not ("end" or "starter"));
            var ends = lines.Count(l => Directive().Match(l) is { Success: true } d && d.Groups["verb"].Value == "end");
            if (opens == ends + 1)
            {
                fileSince = ParseChapter(m0.Groups["rest"].Value, file, 1);
                start = Array.IndexOf(lines, first) + 1;
            }
        }
        if (chapter < fileSince)
        {
            return null;
        }
        var lineOut = 0;
        for (var i = start; i < lines.Length; i++)
        {
            var line = lines[i];
            var keep = stack.All(b => b.Keep);
            var d = Directive().Match(line);
            if (!d.Success)
            {
                var starter = stack.Count > 0 && stack.Peek().Verb == "starter";
                // A //@starter section's own Keep says whether this is the stub it stands in for.
                if (starter ? !stack.Peek().Keep : !keep)
                {
                    continue;
                }
                if (starter || stack.Any(b => b.Verb == "before"))
                {
                    line = Uncomment(line, starter ? "after //@starter" : "inside //@before", file, i + 1);
                }
                output.Append(line).Append('\n');
                lineOut++;
                continue;
            }
            var verb = d.Groups["verb"].Value;
            var rest = d.Groups["rest"].Value.Trim();
            switch (verb)
            {
                case "end":
                    if (stack.Count == 0)
                    {
                        throw new InvalidDataException($"{file}:{i + 1}: //@end without an open block");
                    }
                    if (stack.Pop().Verb == "starter")
                    {
                        stack.Pop(); // one //@end closes both the //@starter section and its //@todo
                    }
                    break;
                case "starter":
                {
                    if (stack.Count == 0 || stack.Peek().Verb != "todo")
                    {
                        throw new InvalidDataException($"{file}:{i + 1}: //@starter belongs inside a //@todo block");
                    }
                    var todo = stack.Peek();
                    // Kept where the TODO is rendered as its starter has it: the solution lines before it were not kept, but
                    // the enclosing blocks are.
                    var isStub = stack.Skip(1).All(b => b.Keep) && !todo.Keep && form(todo.Chapter) == TodoForm.Starter;
                    if (isStub)
                    {
                        // Replace the throw just written by the stand-in that follows, which first says that it ran (so a
                        // test that fails for it is put down to its TODO, though it throws nothing).
                        var text = output.ToString();
                        var cut = text.LastIndexOf("throw new NotImplementedException(", StringComparison.Ordinal);
                        var lineStart = text.LastIndexOf('\n', cut) + 1;
                        output.Length = lineStart;
                        output.Append(todo.Indent).Append($"TodoStandIn.Ran(\"{todo.Id}\"); // tells the gate this TODO is still open\n");
                    }
                    stack.Push((verb, todo.Chapter, isStub, i + 1, todo.Id, todo.Indent));
                    break;
                }
                case "since":
                {
                    var n = ParseChapter(rest, file, i + 1);
                    stack.Push((verb, n, chapter >= n, i + 1, "", ""));
                    break;
                }
                case "before":
                {
                    var n = ParseChapter(rest, file, i + 1);
                    stack.Push((verb, n, chapter < n, i + 1, "", ""));
                    break;
                }
                case "todo":
                {
                    var t = TodoArgs().Match(rest);
                    if (!t.Success)
                    {
                        throw new InvalidDataException($"{file}:{i + 1}: write a TODO as //@todo NN Id: instruction");
                    }
                    var n = ParseChapter(t.Groups["nn"].Value, file, i + 1);
                    var id = t.Groups["id"].Value;
                    var text = t.Groups["text"].Value.Trim();
                    if (keep && chapter < n)
                    {
                        throw new InvalidDataException(
                            $"{file}:{i + 1}: the TODO {id} of chapter {n} would appear in chapter {chapter}: put it inside //@since {n:00}");
                    }
                    var stub = keep && form(n) != TodoForm.Solution;
                    if (stub)
                    {
                        var indent = d.Groups["indent"].Value;
                        if (n == chapter)
                        {
                            todos.Add(new TodoItem(n, id, text, file, lineOut + 1, EnclosingMethod(lines, i), TodoCode(lines, i, n, file)));
                        }
                        output.Append(indent).Append($"// TODO(ch{n:00}): {id}: ").Append(text).Append('\n');
                        output.Append(indent).Append($"throw new NotImplementedException(\"TODO(ch{n:00}) {id}: ")
                            .Append(text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal))
                            .Append("\");\n");
                        lineOut += 2;
                    }
                    stack.Push((verb, n, keep && !stub, i + 1, id, d.Groups["indent"].Value));
                    break;
                }
            }
        }
        if (stack.Count > 0)
        {
            throw new InvalidDataException($"{file}:{stack.Peek().Line}: //@{stack.Peek().Verb} has no //@end");
        }
        return output.ToString().TrimEnd('\n') + "\n";
    }

    [GeneratedRegex(@"^\s*(public|private|internal|protected)\b[^=;]*?\b(?<name>\w+)\s*(<[^>]*>)?\(")]
    private static partial Regex MethodSignature();

    /// <summary>The name of the method around line <paramref name="at"/>.</summary>
    private static string EnclosingMethod(string[] lines, int at)
    {
        for (var i = at; i >= 0; i--)
        {
            if (MethodSignature().Match(lines[i]) is { Success: true } m)
            {
                return m.Groups["name"].Value;
            }
        }
        return "";
    }

    /// <summary>
    /// The solution lines of the TODO block opened at line <paramref name="at"/>, as chapter <paramref name="chapter"/>'s
    /// reference has them: no directives, no stand-in, //@since and //@before applied, dedented.
    /// </summary>
    private static string TodoCode(string[] lines, int at, int chapter, string file)
    {
        var code = new List<string>();
        var stack = new Stack<(string Verb, bool Keep)>();
        for (var i = at + 1; i < lines.Length; i++)
        {
            var d = Directive().Match(lines[i]);
            if (d.Success)
            {
                var verb = d.Groups["verb"].Value;
                if (stack.Count == 0 && verb is "end" or "starter")
                {
                    break;
                }
                if (verb == "end")
                {
                    stack.Pop();
                }
                else if (verb is "since" or "before")
                {
                    var n = ParseChapter(d.Groups["rest"].Value, file, i + 1);
                    stack.Push((verb, verb == "since" ? chapter >= n : chapter < n));
                }
                else
                {
                    stack.Push((verb, true));
                }
                continue;
            }
            if (stack.All(b => b.Keep))
            {
                code.Add(stack.Any(b => b.Verb == "before") ? Uncomment(lines[i], "inside //@before", file, i + 1) : lines[i]);
            }
        }
        var indent = code.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join('\n', code.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart())).Trim('\n');
    }

    /// <summary>
    /// A line kept behind <c>//~ </c> in the source (so that the source itself compiles as the latest chapter),
    /// with the marker removed.
    /// </summary>
    private static string Uncomment(string line, string where, string file, int lineNumber)
    {
        var trimmed = line.TrimStart();
        var indent = line[..(line.Length - trimmed.Length)];
        return trimmed.StartsWith("//~ ", StringComparison.Ordinal) ? indent + trimmed[4..]
            : trimmed == "//~" ? ""
            : throw new InvalidDataException($"{file}:{lineNumber}: {where}, every line must start with //~ (the source must stay the latest chapter)");
    }

    private static int ParseChapter(string text, string file, int line) =>
        int.TryParse(text.Trim(), out var n) && n >= 1
            ? n
            : throw new InvalidDataException($"{file}:{line}: expected a chapter number like 02, got \"{text}\"");

    private static string ProjectFile(Chapter ch, Variant variant)
    {
        var starter = variant == Variant.Starter;
        var sb = new StringBuilder();
        sb.Append("<Project Sdk=\"Microsoft.NET.Sdk\">\n");
        sb.Append(starter
            ? $"  <!-- Chapter {ch.Number}, {ch.Title}: your code. Fill in the TODO(ch{ch.Nn}) stubs; the gate is `dotnet test tests/{ch.Slug}`. -->\n"
            : $"  <!-- Chapter {ch.Number}, {ch.Title}: reference solution, generated from course/source by tools/chaptergen. -->\n");
        sb.Append("  <PropertyGroup>\n");
        sb.Append($"    <AssemblyName>{ch.AssemblyName}</AssemblyName>\n");
        sb.Append("    <RootNamespace>Raft</RootNamespace>\n");
        sb.Append("    <!-- Puts every dependency beside the built DLL, so a notebook can #r it. -->\n");
        sb.Append("    <CopyLocalLockFileAssemblies>true</CopyLocalLockFileAssemblies>\n");
        if (starter)
        {
            sb.Append("    <!-- A stub throws before it uses what it declares; these warnings would only stand in your way until it is filled in. -->\n");
            sb.Append("    <NoWarn>$(NoWarn);CS1998;CS0162;CS0169;CS0414;CS0649;CS8321</NoWarn>\n");
        }
        sb.Append("  </PropertyGroup>\n");
        sb.Append("  <ItemGroup>\n");
        sb.Append("    <ProjectReference Include=\"$(RepoRoot)src/Raft.Simulation/Raft.Simulation.csproj\" />\n");
        sb.Append("  </ItemGroup>\n");
        sb.Append("</Project>\n");
        return sb.ToString();
    }

    public static string StarterReadme(Chapter ch, IReadOnlyList<TodoItem> todos)
    {
        var sb = new StringBuilder();
        sb.Append($"# Chapter {ch.Number}: {ch.Title} ({ch.Paper})\n\n");
        sb.Append(ch.Summary).Append("\n\n");
        sb.Append($"Read `{ch.Notebook}` first. Then write each `TODO(ch{ch.Nn})` below until the gate is green. The watch runs the\n");
        sb.Append("gate every time you save and says what to do next:\n\n");
        sb.Append("    dotnet run --project tools/progress -- watch\n\n");
        sb.Append($"(or run the gate yourself: `dotnet test tests/{ch.Slug}`). Each TODO says what must hold and why, not the code.\n");
        sb.Append($"Stuck? `dotnet run --project tools/progress -- hint {ch.Number}` gives one hint at a time: a nudge, then the rule made\n");
        sb.Append($"concrete, then the code (where your copy of the course has the reference's code; `reference {ch.Number}` then writes all of\n");
        sb.Append($"this chapter's into your files). Start over? `dotnet run --project tools/progress -- reset {ch.Number}` (keeps a backup).\n");
        sb.Append($"When the gate is green, the watch moves on and writes chapter {ch.Number + 1}'s starter from your code (`carry {ch.Number}` does it by hand).\n\n");
        sb.Append("| TODO | file | what must hold |\n|---|---|---|\n");
        foreach (var t in todos)
        {
            sb.Append($"| {t.Id} | `{t.File}:{t.Line}` | {t.Instruction.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        }
        return sb.ToString();
    }
}
