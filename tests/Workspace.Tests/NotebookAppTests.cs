using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Workspace.Tests;

// Every notebook also runs as a file-based app (notebooks/NN-slug.cs, generated from the same source), with only the
// .NET SDK: `dotnet run notebooks/NN-slug.cs -p:Against=solutions`. Each must run to the end, show in each cell's part
// of its output what the notebook's cell claims (raft_expect), and write every timeline the notebook draws.
[Collection("builds")]
public sealed partial class NotebookAppTests
{
    public static TheoryData<string> Apps() =>
        [.. Directory.EnumerateFiles(Path.Combine(Repo.Root, "notebooks"), "*.cs").Select(f => Path.GetFileNameWithoutExtension(f)).Order()];

    [GeneratedRegex(@"\n── code cell (?<n>\d+) · ")]
    private static partial Regex CellHeading();

    [GeneratedRegex(@"written to (?<path>\S+\.html)")]
    private static partial Regex WrittenTo();

    [Theory]
    [MemberData(nameof(Apps))]
    public async Task The_notebooks_app_runs_every_cell_against_the_reference_and_shows_what_the_notebook_shows(string name)
    {
        var (code, output) = await RunAsync(name);

        code.ShouldBe(0, $"`dotnet run notebooks/{name}.cs -p:Against=solutions` runs to the end:\n{output}");
        output.ShouldContain($"Done: notebook {name} ran to the end", Case.Sensitive, $"the app says it ran every cell:\n{output}");

        // The output, by code cell: the part after each "── code cell N · title ──" heading.
        var sections = new Dictionary<int, string>();
        var headings = CellHeading().Matches(output);
        for (var i = 0; i < headings.Count; i++)
        {
            var end = i + 1 < headings.Count ? headings[i + 1].Index : output.Length;
            sections[int.Parse(headings[i].Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture)] = output[headings[i].Index..end];
        }
        var notebook = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Repo.Root, "notebooks", $"{name}.ipynb")))!;
        var cells = notebook["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code").ToList();
        var checkedCells = 0;
        for (var i = 0; i < cells.Count; i++)
        {
            var source = string.Concat(cells[i]!["source"]!.AsArray().Select(l => (string?)l));
            var part = sections.GetValueOrDefault(i + 1, "");
            if ((string?)cells[i]!["metadata"]?["raft_expect"] is { } expected)
            {
                part.ShouldContain(expected, Case.Sensitive, $"{name}.cs, code cell {i + 1}, shows \"{expected}\" as the notebook's cell does:\n{part}");
                checkedCells++;
            }
            var timelines = Regex.Matches(source, @"(?<![A-Za-z])Timeline\(").Count;
            if (timelines > 0)
            {
                var written = WrittenTo().Matches(part).Select(m => Path.Combine(Repo.Root, m.Groups["path"].Value)).ToList();
                written.Count.ShouldBe(timelines, $"{name}.cs, code cell {i + 1}, writes each timeline the notebook's cell draws:\n{part}");
                written.Distinct().Count().ShouldBe(written.Count, $"{name}.cs, code cell {i + 1}, writes each timeline to a file of its own:\n{part}");
                foreach (var file in written)
                {
                    File.Exists(file).ShouldBeTrue($"{file} was written");
                    (await File.ReadAllTextAsync(file)).ShouldContain("<svg", Case.Sensitive, $"{file} holds a drawn timeline");
                }
                checkedCells++;
            }
        }
        if (cells.Count > 2)
        {
            checkedCells.ShouldBeGreaterThan(0, $"{name} has cells that claim an outcome or draw a timeline, and each was checked in the app's output");
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string name)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Repo.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "run", $"notebooks/{name}.cs", "-p:Against=solutions" })
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var key in info.Environment.Keys.Where(Course.Commands.InheritedFromOuterRun).ToList())
        {
            info.Environment.Remove(key);
        }
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"notebooks/{name}.cs did not finish within 5 minutes:\n{await stdout}{await stderr}");
        }
        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
