using Course;
using Progress;

namespace Workspace.Tests;

// The copy an instructor hands out has no answers, yet the learner's loop works in it: hints, the gate, the watch.
[Collection("builds")]
public sealed class LearnerCopyTests
{
    [Fact]
    public void A_copy_without_the_answers_gives_hints_and_checks()
    {
        var copy = Path.Combine(Path.GetTempPath(), $"learner-copy-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            LearnerCopy.Write(Repo.Course, copy, withAnswers: false, TextWriter.Null).ShouldBe(0);

            Directory.Exists(Path.Combine(copy, "solutions")).ShouldBeFalse("the reference solutions stay behind");
            Directory.Exists(Path.Combine(copy, "course", "source")).ShouldBeFalse("the annotated source stays behind");
            File.ReadAllText(Path.Combine(copy, "Tutorial.sln")).ShouldNotContain("Solution.csproj", Case.Sensitive, "the copy's solution file names no reference project");
            TodoCatalog.Load(copy).Values.SelectMany(t => t).Where(t => t.Code.Length > 0).Select(t => t.Id)
                .ShouldBeEmpty("without --with-answers the hints stop before the code");

            var output = new StringWriter();
            var app = new ProgressApp(copy, output, new StringWriter());
            app.Run(["hint", "1"]).ShouldBe(0, output.ToString());
            output.ToString().ShouldContain("hint 1 of 3", Case.Sensitive, "hint works without the source");
            app.Run(["hint", "1"]);
            app.Run(["hint", "1"]);
            output.ToString().ShouldContain("was made without the reference's code", Case.Sensitive, "the last level says the code is not in this copy");
            output.ToString().ShouldContain("--with-answers", Case.Sensitive, "and how a copy that has it is made");

            output.GetStringBuilder().Clear();
            app.Run(["check", "1"]).ShouldBe(1, output.ToString());
            output.ToString().ShouldContain("Open TODOs (", Case.Sensitive, $"check runs the gate on the starter and lists its TODOs:\n{output}");
            output.ToString().ShouldMatch(@"\d+ of \d+ tests pass\.", "check counts the tests");

            output.GetStringBuilder().Clear();
            app.Run(["watch", "--once", "--chapter", "1"]).ShouldBe(1, output.ToString());
            output.ToString().ShouldContain("── verdict 1", Case.Sensitive, $"the watch gives a verdict in the copy:\n{output}");

            app.Run(["compare", "1"]).ShouldBe(1, "compare has nothing to compare with");
            app.Run(["reference", "1"]).ShouldBe(1, "a copy without the answers cannot write the reference");
        }
        finally
        {
            if (Directory.Exists(copy))
            {
                Directory.Delete(copy, recursive: true);
            }
        }
    }

    [Fact]
    public async Task A_green_verdict_for_code_saved_over_during_the_run_is_neither_confirmed_nor_carried()
    {
        var copy = Path.Combine(Path.GetTempPath(), $"watch-green-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            LearnerCopy.Write(Repo.Course, copy, withAnswers: false, TextWriter.Null).ShouldBe(0);
            var course = CourseManifest.Load(copy);
            // The learner's chapter 1 is solved (the reference's code, as if they wrote it).
            WriteChapter(copy, course[1], new ChapterGenerator(Repo.Course).Render(1, Variant.Starter, _ => TodoForm.Solution));
            var file = Path.Combine(copy, course[1].StarterDir, "RaftNode.Log.cs");
            var output = new StringWriter();
            var synced = TextWriter.Synchronized(output);
            var runs = 0;
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            var watcher = new Watcher(course, synced, TextWriter.Null, "chapters", noConfirm: true)
            {
                // The learner saves after the first verdict's gate compiled their files: that green is for older code.
                GateRan = _ =>
                {
                    if (Interlocked.Increment(ref runs) == 1)
                    {
                        File.AppendAllText(file, "\n// saved after the gate compiled\n");
                    }
                },
            };
            var watching = Task.Run(() => watcher.Run(null, once: false, stop.Token));
            string Said()
            {
                lock (synced)
                {
                    return output.ToString();
                }
            }
            var next = Path.Combine(copy, course[2].StarterDir);
            while (!Said().Contains("On to chapter 2", StringComparison.Ordinal) && !watching.IsCompleted)
            {
                await Task.Delay(50, stop.Token);
            }
            await stop.CancelAsync();
            await watching;

            var said = Said();
            runs.ShouldBeGreaterThanOrEqualTo(2, $"the gate ran again after the save:\n{said}");
            said.IndexOf("A file changed while the gate ran", StringComparison.Ordinal).ShouldBeGreaterThanOrEqualTo(0, $"the watch noticed the save:\n{said}");
            said.IndexOf("A file changed while the gate ran", StringComparison.Ordinal).ShouldBeLessThan(said.IndexOf("Carried your code", StringComparison.Ordinal),
                $"the code is carried only after the verdict of what is saved:\n{said}");
            Directory.EnumerateFiles(next, "*.cs", SearchOption.AllDirectories).Select(File.ReadAllText)
                .Any(t => t.Contains("// saved after the gate compiled", StringComparison.Ordinal))
                .ShouldBeTrue("chapter 2 was written from the code as saved, not as the first run compiled it");
        }
        finally
        {
            if (Directory.Exists(copy))
            {
                Directory.Delete(copy, recursive: true);
            }
        }
    }

    [Fact]
    public async Task A_save_while_the_watch_runs_the_gate_gets_a_verdict_of_its_own()
    {
        var copy = Path.Combine(Path.GetTempPath(), $"watch-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            LearnerCopy.Write(Repo.Course, copy, withAnswers: false, TextWriter.Null).ShouldBe(0);
            var course = CourseManifest.Load(copy);
            var file = Path.Combine(copy, course[1].StarterDir, "RaftNode.Log.cs");
            var output = new StringWriter();
            var synced = TextWriter.Synchronized(output);
            var verdicts = 0;
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            var watcher = new Watcher(course, synced, TextWriter.Null, "chapters", noConfirm: true)
            {
                // The learner saves while the first verdict's gate runs.
                VerdictStarting = _ =>
                {
                    if (Interlocked.Increment(ref verdicts) == 1)
                    {
                        File.AppendAllText(file, "\n// saved while the gate ran\n");
                    }
                },
            };
            var watching = Task.Run(() => watcher.Run(course[1], once: false, stop.Token));
            string Said()
            {
                // The synchronized writer locks itself while it writes.
                lock (synced)
                {
                    return output.ToString();
                }
            }
            while (!Said().Contains("── verdict 2", StringComparison.Ordinal) && !watching.IsCompleted)
            {
                await Task.Delay(50, stop.Token);
            }
            await stop.CancelAsync();
            await watching;

            var said = Said();
            said.ShouldContain("A file changed while the gate ran", Case.Sensitive, $"the watch notices the save made during its run:\n{said}");
            said.ShouldContain("── verdict 2", Case.Sensitive, $"and gives that save a verdict of its own, without another save:\n{said}");
        }
        finally
        {
            if (Directory.Exists(copy))
            {
                Directory.Delete(copy, recursive: true);
            }
        }
    }

    [Fact]
    public async Task A_learners_own_code_of_every_chapter_is_carried_into_the_live_cluster_at_the_end()
    {
        var work = Path.Combine(Path.GetTempPath(), $"one-raft-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var copy = Path.Combine(work, "copy");
        try
        {
            LearnerCopy.Write(Repo.Course, copy, withAnswers: false, TextWriter.Null).ShouldBe(0);
            var course = CourseManifest.Load(copy);
            var generator = new ChapterGenerator(course);

            // No answer ahead of the learner: only chapter 1 is there, and no plain file holds a later TODO's code.
            course.Available.Where(c => c.Number > 1).Where(c => Directory.Exists(Path.Combine(copy, c.StarterDir))).Select(c => c.StarterDir)
                .ShouldBeEmpty("a learner's copy starts with chapter 1 only; each later chapter is written from the learner's code");
            var text = string.Join("\n", Directory.EnumerateFiles(copy, "*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith(".pack", StringComparison.Ordinal) && !f.Contains("/.git/", StringComparison.Ordinal))
                .Select(File.ReadAllText));
            // Chapter 1's given code is the learner's from the start: a line a later answer shares with it gives nothing away.
            var given = string.Join("\n", Directory.EnumerateFiles(Path.Combine(copy, course[1].StarterDir), "*.cs", SearchOption.AllDirectories).Select(File.ReadAllText));
            var reference = new ChapterGenerator(Repo.Course);
            var later = Repo.Course.Available.Where(c => c.Number > 1).SelectMany(c => reference.Todos(c.Number)).ToList();
            later.Count.ShouldBeGreaterThanOrEqualTo(20, "the later chapters have TODOs");
            later.Select(t => (t.Id, Line: t.Code.Split('\n').Select(l => l.Trim()).Where(l => !l.StartsWith("//", StringComparison.Ordinal)).MaxBy(l => l.Length) ?? ""))
                .Where(t => t.Line.Length >= 30 && text.Contains(t.Line, StringComparison.Ordinal) && !given.Contains(t.Line, StringComparison.Ordinal))
                .Select(t => $"{t.Id}: {t.Line}")
                .ShouldBeEmpty("no later chapter's answer is readable in the copy's files");

            // The learner writes every chapter with code of their own (a helper of theirs called from each TODO).
            var learner = CarryTests.MarkedSource(Path.Combine(work, "learner"));
            WriteChapter(copy, course[1], learner.Render(1, Variant.Starter, _ => TodoForm.Solution));
            var output = new StringWriter();
            var app = new ProgressApp(copy, output, new StringWriter());
            // Chapter 1 as a learner moves on: its gate runs, and being green, its code is carried.
            app.Run(["carry", "1"]).ShouldBe(0, output.ToString());
            output.ToString().ShouldContain("Carried your code of chapters 1 to 1", Case.Sensitive, output.ToString());
            var last = course.Available.Last().Number;
            for (var n = 2; n <= last; n++)
            {
                var carried = Course.Carry.ChapterFolder.Read(Path.Combine(copy, course[n].StarterDir));
                carried.ShouldNotBeEmpty($"chapter {n} was written from the learner's chapter {n - 1}");
                WriteChapter(copy, course[n], CarryTests.Solve(generator, learner, n, carried));
                if (n < last)
                {
                    Course.Carry.CarryForward.Run(course, n, overwrite: false, output).ShouldBe(0, output.ToString());
                }
            }

            // A notebook's program runs on the learner's solved chapter, as on the reference.
            var (notebook, ran) = Course.Commands.Run(copy, "dotnet", "run notebooks/04-committing-entries.cs", TimeSpan.FromMinutes(5));
            notebook.ShouldBe(0, $"notebook 04's program runs on the learner's chapter 4:\n{ran}");
            ran.ShouldContain("Done: notebook 04-committing-entries ran to the end", Case.Sensitive, ran);
            ran.ShouldContain("Leader Completeness", Case.Sensitive, $"its cell that breaks a rule on purpose shows the break on the learner's code too:\n{ran}");

            // The live cluster of the learner's copy runs their latest chapter (7, the key-value service): every rule theirs.
            var (built, said) = Course.Commands.Run(copy, "dotnet", "build tools/cluster -v q -nologo", TimeSpan.FromMinutes(5));
            built.ShouldBe(0, $"the live cluster builds on the learner's chapter {last}:\n{said}");
            var dll = Path.Combine(copy, "tools", "cluster", "bin", "chapters", "Debug", "net10.0", $"Raft.Ch{last:00}.dll");
            var bytes = await File.ReadAllBytesAsync(dll);
            var marked = 0;
            foreach (var todo in new[] { "01-LastLogIndex", "02-UpToDate", "03-AppendEntriesCheck", "04-CommitRule", "05-Persist", "06-AnswerClient", "07-Sessions", "07-ReadIndex" })
            {
                ContainsUtf16(bytes, todo).ShouldBeTrue($"the learner's code of TODO {todo} is in the chapter {last} the live cluster runs ({dll})");
                marked++;
            }
            marked.ShouldBe(8, "every marker was looked for");
            var (story, told) = Course.Commands.Run(copy, "dotnet", $"{Path.Combine(copy, "tools", "cluster", "bin", "chapters", "Debug", "net10.0", "cluster.dll")} --nodes 3 --keys 3",
                TimeSpan.FromMinutes(2));
            story.ShouldBe(0, $"the live cluster tells its whole story on the learner's Raft:\n{told}");
            told.ShouldContain("read back: all 6 acknowledged keys", Case.Sensitive, told);
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }

        static bool ContainsUtf16(byte[] bytes, string text)
        {
            var pattern = System.Text.Encoding.Unicode.GetBytes(text);
            return bytes.AsSpan().IndexOf(pattern) >= 0;
        }
    }

    private static void WriteChapter(string root, Chapter ch, IReadOnlyDictionary<string, string> files)
    {
        foreach (var (rel, content) in files.Where(f => f.Key.EndsWith(".cs", StringComparison.Ordinal)))
        {
            var full = Path.Combine(root, ch.StarterDir, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }
    }
}
