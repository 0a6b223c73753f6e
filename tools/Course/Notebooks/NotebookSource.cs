using System.Text;
using System.Text.RegularExpressions;

namespace Course.Notebooks;

/// <summary>One cell of a notebook's source.</summary>
/// <param name="Code">A C# cell (a <c>```csharp</c> block); otherwise Markdown.</param>
/// <param name="Text">The cell's text, without leading or trailing blank lines (for a macro cell: the lines after the macro).</param>
/// <param name="Expect">What the cell must show when it runs against the reference (<c>&lt;!-- expect: ... --&gt;</c> before it).</param>
/// <param name="Macro">build, load or todos: a cell written from <c>_macros.md</c> (or course/todos.json), the same in every notebook.</param>
/// <param name="Line">Where the cell starts in its source file, for messages.</param>
public sealed record NotebookCell(bool Code, string Text, string? Expect = null, string? Macro = null, int Line = 0);

/// <summary>A notebook as its author writes it: Markdown with C# blocks (course/notebooks/NN-slug.md).</summary>
public sealed record NotebookDocument(string Slug, IReadOnlyList<NotebookCell> Cells)
{
    /// <summary>The two digits the file name starts with.</summary>
    public string Nn => Slug[..2];
}

/// <summary>
/// Reads the one source of a notebook and of its file-based app: Markdown, in which
/// <list type="bullet">
/// <item>each <c>```csharp</c> block is a code cell (any other fence stays Markdown, as prose);</item>
/// <item>the Markdown between two code cells is one cell; a line <c>&lt;!-- cell --&gt;</c> starts a new one;</item>
/// <item>a line <c>&lt;!-- expect: TEXT --&gt;</c> just before a code cell says what its output must contain when it runs
/// against the reference (the notebook tests check it in the kernel and in the app);</item>
/// <item>a code cell whose first line is <c>{{build}}</c> or <c>{{load}}</c>, and a line <c>{{todos}}</c> in the Markdown,
/// are written from <c>_macros.md</c> and course/todos.json, the same in every chapter.</item>
/// </list>
/// </summary>
public static partial class NotebookSource
{
    [GeneratedRegex(@"^<!--\s*expect:\s*(?<text>.*?)\s*-->$")]
    private static partial Regex ExpectLine();

    [GeneratedRegex(@"^\{\{(?<macro>build|load)\}\}$")]
    private static partial Regex CodeMacro();

    /// <exception cref="InvalidDataException">The source is malformed; the message names the file and line.</exception>
    public static NotebookDocument Parse(string slug, string text, string file)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var cells = new List<NotebookCell>();
        var markdown = new StringBuilder();
        var markdownStart = 1;
        string? expect = null;
        var expectLine = 0;
        var inProseFence = false;

        void EndMarkdown()
        {
            var body = markdown.ToString().Trim('\n');
            if (body.Length > 0)
            {
                cells.Add(new NotebookCell(false, body, Line: markdownStart));
            }
            markdown.Clear();
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (inProseFence)
            {
                markdown.Append(line).Append('\n');
                inProseFence = !line.TrimStart().StartsWith("```", StringComparison.Ordinal);
                continue;
            }
            if (line == "```csharp")
            {
                EndMarkdown();
                var start = i + 1;
                var code = new List<string>();
                for (i++; i < lines.Length && lines[i] != "```"; i++)
                {
                    code.Add(lines[i]);
                }
                if (i >= lines.Length)
                {
                    throw new InvalidDataException($"{file}:{start}: the ```csharp block that starts here is never closed with ```.");
                }
                var body = string.Join('\n', code).Trim('\n');
                string? macro = null;
                if (CodeMacro().Match(code.FirstOrDefault() ?? "") is { Success: true } m)
                {
                    macro = m.Groups["macro"].Value;
                    body = string.Join('\n', code.Skip(1)).Trim('\n');
                }
                cells.Add(new NotebookCell(true, body, expect, macro, start));
                expect = null;
                markdownStart = i + 2;
                continue;
            }
            if (ExpectLine().Match(line) is { Success: true } e)
            {
                EndMarkdown();
                expect = e.Groups["text"].Value;
                expectLine = i + 1;
                continue;
            }
            if (expect is not null && line.Trim().Length > 0)
            {
                throw new InvalidDataException($"{file}:{expectLine}: an expect line belongs right before the ```csharp block whose output it names.");
            }
            if (line.Trim() == "<!-- cell -->")
            {
                EndMarkdown();
                markdownStart = i + 2;
                continue;
            }
            if (line.Trim() == "{{todos}}")
            {
                EndMarkdown();
                cells.Add(new NotebookCell(false, "", Macro: "todos", Line: i + 1));
                markdownStart = i + 2;
                continue;
            }
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inProseFence = true; // a fence inside the prose (a diagram, a shell command): it stays Markdown
            }
            if (markdown.Length == 0 && line.Trim().Length == 0)
            {
                markdownStart = i + 2;
                continue;
            }
            markdown.Append(line).Append('\n');
        }
        if (expect is not null)
        {
            throw new InvalidDataException($"{file}:{expectLine}: an expect line at the end, with no ```csharp block after it.");
        }
        EndMarkdown();
        return new NotebookDocument(slug, cells);
    }

    /// <summary>
    /// The templates of the macros, from <c>_macros.md</c>: a <c>## name</c> heading, then one fenced block (any
    /// language) holding the template; <c>{slug}</c>, <c>{nn}</c>, <c>{n}</c> and <c>{rows}</c> are filled in.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParseMacros(string text, string file)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var macros = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("## ", StringComparison.Ordinal))
            {
                continue;
            }
            var name = lines[i][3..].Trim();
            var open = Array.FindIndex(lines, i + 1, l => l.StartsWith("```", StringComparison.Ordinal));
            var close = open < 0 ? -1 : Array.FindIndex(lines, open + 1, l => l == "```");
            if (open < 0 || close < 0)
            {
                throw new InvalidDataException($"{file}:{i + 1}: the macro {name} needs one fenced block under its heading.");
            }
            macros[name] = string.Join('\n', lines[(open + 1)..close]);
            i = close;
        }
        return macros;
    }
}
