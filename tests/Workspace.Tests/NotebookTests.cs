using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;

namespace Workspace.Tests;

// Every notebook runs top to bottom against the reference solutions, in process, on the C# kernel the
// Polyglot extension and Jupyter use. A failing cell, a compile error or a missing picture fails the test.
[Collection("builds")]
public sealed class NotebookTests
{
    public static TheoryData<string> Notebooks() =>
        [.. Directory.EnumerateFiles(Path.Combine(Repo.Root, "notebooks"), "*.ipynb").Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task The_notebook_runs_every_cell_against_the_reference(string name)
    {
        var path = Path.Combine(Repo.Root, "notebooks", name);
        var document = Notebook.Parse(await File.ReadAllTextAsync(path), new KernelInfoCollection
        {
            new Microsoft.DotNet.Interactive.Documents.KernelInfo("csharp", languageName: "C#", aliases: ["C#", "c#"]),
        });
        var cells = document.Elements.Where(e => e.KernelName is "csharp" or "C#").ToList();
        cells.ShouldNotBeEmpty($"{name} has no C# cells");

        // A nested `dotnet build` must not inherit the test host's MSBuild settings.
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(Course.Commands.InheritedFromOuterRun).ToList())
        {
            Environment.SetEnvironmentVariable(key, null);
        }

        // What some cells must show (cell metadata "raft_expect", written by course/make_notebooks.py), by code cell.
        var expectations = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(path))!["cells"]!.AsArray()
            .Where(c => (string?)c!["cell_type"] == "code")
            .Select(c => (string?)c!["metadata"]?["raft_expect"])
            .ToList();
        expectations.Count.ShouldBe(cells.Count, $"{name}: the code cells of the parsed notebook and of its JSON should be the same");

        using var kernel = new CompositeKernel { new CSharpKernel().UseKernelHelpers() };
        kernel.DefaultKernelName = "csharp";
        var html = new List<string>();
        for (var i = 0; i < cells.Count; i++)
        {
            // The notebook loads the learner's chapter; here it loads the reference solution instead.
            var code = Regex.Replace(cells[i].Contents, @"\.\./chapters/", Path.Combine(Repo.Root, "solutions").Replace('\\', '/') + "/");
            var result = await kernel.SendAsync(new SubmitCode(code, "csharp"));
            var errors = result.Events.OfType<CommandFailed>().Select(f => f.Message)
                .Concat(result.Events.OfType<DiagnosticsProduced>().SelectMany(d => d.Diagnostics)
                    .Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).Select(d => d.ToString()))
                .Concat(result.Events.OfType<ErrorProduced>().Select(e => e.Message))
                .ToList();
            errors.ShouldBeEmpty($"{name}, code cell {i + 1}:\n{cells[i].Contents}");
            var shown = result.Events.OfType<DisplayEvent>().SelectMany(d => d.FormattedValues).ToList();
            html.AddRange(shown.Where(v => v.MimeType == "text/html").Select(v => v.Value));
            if (expectations[i] is { } expected)
            {
                string.Join("\n", shown.Select(v => System.Net.WebUtility.HtmlDecode(v.Value))).ShouldContain(expected, Case.Sensitive,
                    $"{name}, code cell {i + 1} should show \"{expected}\": the prose around it says so");
            }
        }

        // The notebook names the chapter's TODOs, the same ones as the stubs and the README (course/todos.json).
        if (Course.TodoCatalog.Load(Repo.Root).TryGetValue(int.Parse(name[..2], System.Globalization.CultureInfo.InvariantCulture), out var todos))
        {
            var text = await File.ReadAllTextAsync(path);
            foreach (var todo in todos)
            {
                text.ShouldContain($"| `{todo.Id}` | `{todo.File}` |", Case.Sensitive, $"{name} should list TODO {todo.Id} in its table of TODOs");
            }
        }

        if (cells.Any(c => c.Contents.Contains("Timeline(", StringComparison.Ordinal)))
        {
            html.Count(h => h.Contains("<svg", StringComparison.Ordinal))
                .ShouldBe(cells.Count(c => c.Contents.Contains("Timeline(", StringComparison.Ordinal)), $"{name}: every timeline cell should draw one");
        }
    }
}
