using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Course.Notebooks;

/// <summary>
/// Writes a notebook's file-based app: the same cells as one C# program that `dotnet run notebooks/NN-slug.cs` runs with
/// only the .NET SDK (the notebook kernel is deprecated). What differs from a notebook, and how the cells are turned:
/// <list type="bullet">
/// <item>the chapter comes from a project reference (notebooks/Directory.Build.targets: your chapter, or the reference
/// with <c>-p:Against=solutions</c>), so the build and load cells are left out;</item>
/// <item>a cell's <c>using</c> directives go to the top and the types it declares to the end, as C# requires of a
/// program; a cell's last expression, which a notebook shows, is passed to <c>display</c>;</item>
/// <item><c>display</c> prints to the console, and writes a timeline as an HTML file (NotebookRun).</item>
/// </list>
/// </summary>
public static class NotebookApp
{
    private static readonly CSharpParseOptions Script = CSharpParseOptions.Default.WithKind(SourceCodeKind.Script).WithLanguageVersion(LanguageVersion.Preview);

    /// <param name="loadUsings">The using directives of the load macro, which the app needs without the macro.</param>
    /// <param name="title">The chapter's title, for the first line the app prints.</param>
    public static string Write(NotebookDocument doc, string title, bool hasChapter, IEnumerable<string> loadUsings)
    {
        var usings = new List<string>();
        var body = new StringBuilder();
        var types = new StringBuilder();
        var heading = title;
        var number = 0;
        foreach (var using_ in loadUsings)
        {
            AddUsing(usings, using_);
        }
        foreach (var cell in doc.Cells)
        {
            if (!cell.Code)
            {
                heading = cell.Text.Split('\n').FirstOrDefault(l => l.StartsWith('#'))?.TrimStart('#').Trim() ?? heading;
                continue;
            }
            number++;
            if (cell.Macro == "build" || (cell.Macro == "load" && cell.Text.Trim().Length == 0))
            {
                continue;
            }
            var (code, cellUsings, cellTypes) = Split(cell.Text, doc.Slug, cell.Line);
            cellUsings.ForEach(u => AddUsing(usings, u));
            if (cellTypes.Length > 0)
            {
                types.Append('\n').Append(cellTypes.TrimEnd('\n')).Append('\n');
            }
            if (code.Trim().Length == 0)
            {
                continue;
            }
            body.Append('\n').Append($"NotebookRun.Cell({number}, \"{Escape(heading)}\");\n").Append(code.TrimEnd('\n')).Append('\n');
        }

        var sb = new StringBuilder();
        sb.Append($"// Notebook {doc.Nn} as a program: `dotnet run notebooks/{doc.Slug}.cs` from the repository root runs the same experiments as\n");
        sb.Append($"// notebooks/{doc.Slug}.ipynb and prints what its cells show; timelines are written to artifacts/notebooks/{doc.Slug}/.\n");
        if (hasChapter)
        {
            sb.Append($"// It runs your chapter (chapters/{doc.Slug}); add -p:Against=solutions to run the reference instead.\n");
        }
        sb.Append($"// Generated from course/notebooks/{doc.Slug}.md by tools/chaptergen: edit that file, then `dotnet run --project tools/chaptergen -- write`.\n");
        sb.Append(hasChapter ? $"#:property NotebookChapter={doc.Slug}\n" : "#:property NotebookChapter=\n");
        // As in the notebook kernel: no nullable analysis (cells carry no annotations), and no native compilation.
        sb.Append("#:property Nullable=disable\n#:property PublishAot=false\n");
        foreach (var u in usings.Order(StringComparer.Ordinal))
        {
            sb.Append(u).Append('\n');
        }
        sb.Append('\n');
        sb.Append($"NotebookRun.Start(\"{doc.Slug}\", \"{Escape(title)}\");\n");
        sb.Append(body);
        sb.Append("\nNotebookRun.End();\n\n");
        sb.Append("// What a notebook cell shows; in this program, printed (a timeline: written as HTML).\n");
        sb.Append("static void display(object value) => NotebookRun.Display(value);\n");
        if (types.Length > 0)
        {
            sb.Append("\n// Types the notebook's cells declare (a program declares them after its statements).");
            sb.Append(types);
        }
        return sb.ToString();
    }

    private static void AddUsing(List<string> usings, string directive)
    {
        var d = directive.Trim();
        if (!usings.Contains(d))
        {
            usings.Add(d);
        }
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    /// <summary>
    /// A cell's code as statements of the program (its last expression shown with display), its using directives, and
    /// the types it declares.
    /// </summary>
    private static (string Code, List<string> Usings, string Types) Split(string cell, string slug, int line)
    {
        var tree = CSharpSyntaxTree.ParseText(cell, Script);
        var root = (CompilationUnitSyntax)tree.GetRoot();
        var errors = tree.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidDataException($"course/notebooks/{slug}.md:{line}: this code cell does not parse: {errors[0]}");
        }
        var cut = new List<TextSpan>();
        var usings = root.Usings.Select(u => u.ToString()).ToList();
        cut.AddRange(root.Usings.Select(u => u.FullSpan));
        // #r lines: the app references the chapter through its project.
        foreach (var directive in root.DescendantTrivia().Where(t => t.IsKind(SyntaxKind.ReferenceDirectiveTrivia)))
        {
            cut.Add(directive.FullSpan);
        }
        var types = new StringBuilder();
        foreach (var type in root.Members.Where(m => m is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax))
        {
            types.Append(type.ToFullString().Trim('\n')).Append('\n');
            cut.Add(type.FullSpan);
        }
        var text = cell;
        // The last member, if it is an expression with no semicolon, is what the notebook shows.
        string? shown = null;
        var shownIsVoid = false;
        if (root.Members.LastOrDefault() is GlobalStatementSyntax { Statement: ExpressionStatementSyntax { SemicolonToken.IsMissing: true } last })
        {
            shown = last.Expression.ToString();
            // Console.Write... ends a cell without a value to show: the notebook prints what it writes, and so does the app.
            shownIsVoid = last.Expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.Text: "Console" } } };
            cut.Add(last.FullSpan);
        }
        // Spans can overlap (a #r directive is trivia of the using after it): remove each stretch once.
        var merged = new List<TextSpan>();
        foreach (var span in cut.OrderBy(s => s.Start))
        {
            if (merged.Count > 0 && span.Start <= merged[^1].End)
            {
                merged[^1] = TextSpan.FromBounds(merged[^1].Start, Math.Max(merged[^1].End, span.End));
            }
            else
            {
                merged.Add(span);
            }
        }
        foreach (var span in Enumerable.Reverse(merged))
        {
            text = text.Remove(span.Start, Math.Min(span.Length, text.Length - span.Start));
        }
        text = text.Trim('\n');
        if (shown is not null)
        {
            text = (text.Length > 0 ? text + "\n" : "") + (shownIsVoid ? $"{shown};" : $"display({shown});");
        }
        return (text, usings, types.ToString());
    }
}
