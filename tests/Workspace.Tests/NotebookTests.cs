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
            html.AddRange(result.Events.OfType<DisplayEvent>().SelectMany(d => d.FormattedValues)
                .Where(v => v.MimeType == "text/html").Select(v => v.Value));
        }

        if (cells.Any(c => c.Contents.Contains("Timeline(", StringComparison.Ordinal)))
        {
            html.Count(h => h.Contains("<svg", StringComparison.Ordinal))
                .ShouldBe(cells.Count(c => c.Contents.Contains("Timeline(", StringComparison.Ordinal)), $"{name}: every timeline cell should draw one");
        }
    }
}
