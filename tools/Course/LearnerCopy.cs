using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Course;

/// <summary>
/// The copy of the course an instructor hands out: chapter 1's starter, the gates, the notebooks, the progress tool
/// and the hints, but no answer in plain sight: not solutions/, not the annotated source, not the maintainers' tools,
/// not the later chapters' folders (each is written from the learner's own code when the chapter before it is green,
/// from the source's pack, course/source.pack), and unless asked for, not the code level of the hints nor the
/// reference's code in the pack. `status`, `check`, `hint`, `watch` and `carry` work in it as in the full course.
/// </summary>
public static class LearnerCopy
{
    /// <summary>Paths (relative, with '/') that stay behind: the answers and what only maintainers use.</summary>
    public static readonly string[] Left =
    [
        "solutions/", "course/source/", "course/mutants/", "course/notebooks/", "tools/chaptergen/", "tools/bench/",
        "tools/wirebench/", "tests/Workspace.Tests/", "scripts/measure-", "scripts/run-notebooks-jupyter.sh", ".ci/",
    ];

    // Projects of Tutorial.sln that live in what stays behind.
    private static readonly string[] LeftProjects =
    [
        "tools/chaptergen/chaptergen.csproj", "tools/bench/bench.csproj", "tools/wirebench/wirebench.csproj", "tests/Workspace.Tests/Workspace.Tests.csproj",
    ];

    public static int Write(CourseManifest course, string target, bool withAnswers, TextWriter output)
    {
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new IOException($"{target} is not empty: name a new folder for the learner's copy.");
        }
        // Chapter 1 only: every later chapter is written from the learner's code when the one before it is green.
        var later = course.Chapters.Where(c => c.Number > 1).Select(c => c.StarterDir + "/").ToList();
        var files = Files(course.Root).Where(f => !Left.Any(l => f.StartsWith(l, StringComparison.Ordinal)) && !later.Any(l => f.StartsWith(l, StringComparison.Ordinal))).ToList();
        foreach (var rel in files)
        {
            var to = Path.Combine(target, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(Path.Combine(course.Root, rel), to);
        }

        // The hints' last level is the reference's code: it is never in plain sight (with answers it comes from the pack).
        var catalog = Path.Combine(target, ChapterGenerator.TodoCatalogFile);
        if (File.Exists(catalog))
        {
            var json = JsonNode.Parse(File.ReadAllText(catalog))!.AsObject();
            foreach (var todo in json.SelectMany(ch => ch.Value!.AsArray()))
            {
                todo!.AsObject()["code"] = "";
            }
            File.WriteAllText(catalog, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        }

        // The annotated source, packed (and without the TODOs' code unless the copy has answers): what the later chapters
        // are written from.
        CoursePack.From(new ChapterGenerator(course).SourceFiles(), withAnswers, course.Chapters.ToDictionary(c => c.Number, c => c.Hints)).Write(target);
        // The hints hold procedures (the rule made concrete): in the pack, not in course.json.
        var manifest = Path.Combine(target, "course", "course.json");
        if (File.Exists(manifest))
        {
            var json = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
            foreach (var chapter in json["chapters"]!.AsArray())
            {
                chapter!.AsObject().Remove("hints");
            }
            File.WriteAllText(manifest, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        }

        // Tutorial.sln without the projects that stayed behind, nor the later chapters and their gates (each is added back
        // when the chapter is written).
        var sln = Path.Combine(target, "Tutorial.sln");
        if (File.Exists(sln))
        {
            var projects = LeftProjects.Concat(course.Available.Select(c => $"{c.SolutionDir}/{c.AssemblyName}.Solution.csproj"))
                .Concat(course.Available.Where(c => c.Number > 1).SelectMany(c => new[] { $"{c.StarterDir}/{c.AssemblyName}.csproj", $"{c.TestDir}/Gate.Ch{c.Nn}.csproj" }));
            var (exit, said) = Commands.Run(target, "dotnet", "sln Tutorial.sln remove " + string.Join(' ', projects), TimeSpan.FromMinutes(2));
            if (exit != 0)
            {
                throw new IOException($"`dotnet sln remove` failed in {target}:\n{said}");
            }
        }

        // The live cluster runs the reference by default; a learner's copy has none, so there it runs the learner's chapter 6.
        var clusterProps = Path.Combine(target, "tools", "cluster", "Directory.Build.props");
        if (File.Exists(clusterProps))
        {
            File.WriteAllText(clusterProps, File.ReadAllText(clusterProps).Replace(
                "<Against Condition=\"'$(Against)' == ''\">solutions</Against>", "<Against Condition=\"'$(Against)' == ''\">chapters</Against>", StringComparison.Ordinal));
        }

        var readme = Path.Combine(target, "README.md");
        if (File.Exists(readme))
        {
            File.WriteAllText(readme, """
                > **This is a learner's copy of the course.** It has no reference solutions: `compare` and the commands with
                > `-p:Against=solutions` do not apply here, and your gate is `dotnet test tests/NN-slug` or
                > `dotnet run --project tools/progress -- watch`. Only chapter 1 is in `chapters/` at first: when a chapter's
                > gate is green, the watch (or `progress carry N`) writes the next chapter's starter from your own code, so the
                > Raft you finish with, and the live cluster `tools/cluster` runs (your latest chapter, 6 or 7), is all yours.

                """ + File.ReadAllText(readme));
        }
        output.WriteLine($"Wrote a learner's copy of the course to {target}: {files.Count} files, without {string.Join(", ", Left)}" +
                         (withAnswers ? "" : ", and without the code level of the hints") + ".");
        return 0;
    }

    /// <summary>The course's files: what git tracks, where the course is a git checkout; else every file but build output.</summary>
    private static IEnumerable<string> Files(string root)
    {
        if (Directory.Exists(Path.Combine(root, ".git")))
        {
            try
            {
                var info = new ProcessStartInfo("git", "ls-files -z --cached --others --exclude-standard")
                {
                    WorkingDirectory = root,
                    RedirectStandardOutput = true,
                };
                using var git = Process.Start(info);
                if (git is not null)
                {
                    var listed = git.StandardOutput.ReadToEnd();
                    git.WaitForExit();
                    if (git.ExitCode == 0)
                    {
                        return listed.Split('\0', StringSplitOptions.RemoveEmptyEntries).Where(f => File.Exists(Path.Combine(root, f))).ToList();
                    }
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // No git on this machine: every file but build output, below.
            }
        }
        string[] skip = ["/bin/", "/obj/", "/.git/", "/artifacts/", "/.progress/"];
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !skip.Any(s => ("/" + f).Contains(s, StringComparison.Ordinal)))
            .ToList();
    }
}
