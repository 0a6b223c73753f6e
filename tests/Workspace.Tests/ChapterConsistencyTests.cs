using Course;

namespace Workspace.Tests;

// One source of truth: chapters/NN and solutions/NN are generated from course/source by
// tools/chaptergen, and this check keeps the committed copies in step with it.
public sealed class ChapterConsistencyTests
{
    [Fact]
    public void Every_gate_test_is_a_fact_the_fast_gate_runs()
    {
        var sep = Path.DirectorySeparatorChar;
        var files = Directory.EnumerateDirectories(Path.Combine(Repo.Root, "tests"))
            .Where(d => Path.GetFileName(d) is var name && (name == "Gate" || (name.Length > 3 && char.IsDigit(name[0]) && char.IsDigit(name[1]) && name[2] == '-')))
            .SelectMany(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{sep}obj{sep}", StringComparison.Ordinal) && !f.Contains($"{sep}bin{sep}", StringComparison.Ordinal))
            .ToList();
        files.Count.ShouldBeGreaterThan(30, "the gates' test files were found");

        files.Where(f => File.ReadAllText(f).Contains("[Theory", StringComparison.Ordinal)).Select(f => Path.GetRelativePath(Repo.Root, f))
            .ShouldBeEmpty("The watch's fast gate runs facts only: a theory shows there as not executed, so the watch and dotnet test would " +
                           "disagree. Write a fact that goes through its cases and checks how many it checked");
    }

    [Fact]
    public void Solutions_and_starters_are_what_the_annotated_source_generates()
    {
        // In learner mode the learner is editing chapters/, so only solutions/ is compared.
        var problems = new ChapterGenerator(Repo.Course).Check(includeStarters: Repo.Against == "solutions");

        problems.ShouldBeEmpty("Edit course/source, then run `dotnet run --project tools/chaptergen -- write` and commit what it writes.");
    }

    [Fact]
    public void No_TODO_states_its_own_code()
    {
        // A TODO says what must hold and why; the procedure is hint 2 and the code hint 3. A statement of the TODO's own
        // reference code in its text, or a formula (an assignment, a comparison written as code), gives the lesson away.
        var generator = new ChapterGenerator(Repo.Course);
        var givenAway = new List<string>();
        var todos = 0;
        foreach (var ch in Repo.Course.Available)
        {
            foreach (var todo in generator.Todos(ch.Number))
            {
                todos++;
                var text = Squeeze(todo.Instruction);
                foreach (var statement in Statements(todo.Code).Where(st => st.Length >= 12 && text.Contains(st, StringComparison.Ordinal)))
                {
                    givenAway.Add($"chapter {ch.Number}, {todo.Id}: states its code `{statement}`");
                }
                foreach (var formula in new[] { " = ", " == ", " >= ", " <= ", " + 1", " - 1", "!= " }.Where(f => todo.Instruction.Contains(f, StringComparison.Ordinal)))
                {
                    givenAway.Add($"chapter {ch.Number}, {todo.Id}: writes a formula (`{formula.Trim()}`)");
                }
            }
        }
        todos.ShouldBeGreaterThan(30, "every chapter's TODOs were read");
        givenAway.ShouldBeEmpty("A TODO states the property that must hold and why; move the formula or the code to the TODO's second hint (course/course.json)");

        static string Squeeze(string s) => new([.. s.ToLowerInvariant().Where(c => !char.IsWhiteSpace(c))]);
        // The code's statements, line by line: those that do something (a call, an assignment, an operator), not a bare name.
        static IEnumerable<string> Statements(string code) =>
            code.Split([';', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(Squeeze)
                .Where(s => !s.StartsWith("//", StringComparison.Ordinal) && s.Trim('{', '}').Length > 0 && s.IndexOfAny(['(', '=', '+', '-', '<', '>', '[']) >= 0);
    }

    [Fact]
    public void No_chapter_changes_lines_inside_an_earlier_chapters_TODO()
    {
        // A learner's code for a TODO is carried into every later chapter in place of the TODO's block (Carrier). If a
        // later chapter added or removed lines inside that block (//@since, //@before), the learner's code would not
        // have them: the hook belongs outside the block, in the given code around it.
        var nested = new List<string>();
        var blocks = 0;
        foreach (var (rel, text) in new ChapterGenerator(Repo.Course).SourceFiles())
        {
            var lines = text.Split('\n');
            var inTodo = false;
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (line.StartsWith("//@todo ", StringComparison.Ordinal))
                {
                    inTodo = true;
                    blocks++;
                }
                else if (inTodo && (line == "//@end" || line == "//@starter"))
                {
                    inTodo = false;
                }
                else if (inTodo && (line.StartsWith("//@since", StringComparison.Ordinal) || line.StartsWith("//@before", StringComparison.Ordinal)))
                {
                    nested.Add($"course/source/{rel}:{i + 1}: {line}");
                }
            }
        }
        blocks.ShouldBeGreaterThan(30, "the source holds every chapter's TODO blocks");
        nested.ShouldBeEmpty("These lines change a TODO's code from a later chapter on: a learner's code for that TODO, carried forward, would " +
                             "miss the change. Move the change outside the TODO's block (call a method from the given code around it).");
    }

    [Fact]
    public void Notebooks_and_their_apps_are_what_their_one_source_generates()
    {
        var problems = new Course.Notebooks.NotebookSet(Repo.Course).Check();

        problems.ShouldBeEmpty("Edit course/notebooks/NN-slug.md (prose and C# in one file), then run `dotnet run --project tools/chaptergen -- write` and commit what it writes.");
        Directory.EnumerateFiles(Path.Combine(Repo.Root, "notebooks"), "*.ipynb").Count().ShouldBe(
            Directory.EnumerateFiles(Path.Combine(Repo.Root, "notebooks"), "*.cs").Count(), "every notebook has its file-based app");
    }

    [Fact]
    public void A_notebook_source_reads_as_cells_with_their_expectations_and_macros()
    {
        const string source = """
            # Title

            Prose, with a diagram:

            ```
            a -> b
            ```

            <!-- cell -->
            ## Next

            {{todos}}

            ```csharp
            {{load}}
            using System.IO;
            ```

            <!-- expect: it works -->
            ```csharp
            var x = 1;
            x
            ```
            """;

        var doc = Course.Notebooks.NotebookSource.Parse("04-x", source, "04-x.md");

        doc.Cells.Select(c => (c.Code, c.Macro)).ShouldBe([(false, (string?)null), (false, null), (false, "todos"), (true, "load"), (true, null)],
            "two prose cells (split by the cell marker; the fence inside the prose stays prose), the TODO table, the load macro, a code cell");
        doc.Cells[0].Text.ShouldContain("a -> b", Case.Sensitive, "a fence in the prose is prose");
        doc.Cells[3].Text.ShouldBe("using System.IO;", "what follows a macro's line is the cell's own code");
        doc.Cells[4].Expect.ShouldBe("it works", "the expect line belongs to the code cell right after it");
        Should.Throw<InvalidDataException>(() => Course.Notebooks.NotebookSource.Parse("x", "```csharp\nvar y = 2;\n", "x.md"),
            "a code block that is never closed is an error").Message.ShouldContain("x.md:1", Case.Sensitive, "the error names the file and the line");
    }

    [Fact]
    public void Every_ready_chapter_has_a_starter_a_solution_a_gate_a_notebook_and_hints_for_each_todo()
    {
        var generator = new ChapterGenerator(Repo.Course);
        var ready = Repo.Course.Available.ToList();
        ready.ShouldNotBeEmpty();
        foreach (var ch in ready)
        {
            foreach (var path in new[] { ch.StarterDir, ch.SolutionDir, ch.TestDir })
            {
                Directory.Exists(Path.Combine(Repo.Root, path)).ShouldBeTrue($"{path} is missing");
            }
            File.Exists(Path.Combine(Repo.Root, ch.Notebook)).ShouldBeTrue($"{ch.Notebook} is missing");
            var todos = generator.Todos(ch.Number);
            todos.ShouldNotBeEmpty($"chapter {ch.Number} has no TODO for the learner");
            foreach (var todo in todos)
            {
                ch.Hints.ShouldContainKey(todo.Id, $"course/course.json has no hints for TODO {todo.Id} of chapter {ch.Number}");
                ch.Hints[todo.Id].Count.ShouldBe(2, $"TODO {todo.Id} of chapter {ch.Number} needs two hints before the code: a nudge, then the rule made concrete");
                todo.Code.ShouldNotBeNullOrWhiteSpace($"TODO {todo.Id} of chapter {ch.Number} has no reference code for the last hint level");
                todo.Method.ShouldNotBeNullOrWhiteSpace($"TODO {todo.Id} of chapter {ch.Number}: the generator found no method around it");
            }
            ch.Hints.Keys.Except(todos.Select(t => t.Id)).ShouldBeEmpty($"course/course.json has hints for TODOs chapter {ch.Number} does not have");
        }
    }

    [Fact]
    public void Directives_are_applied_per_chapter()
    {
        WithSource(new()
        {
            ["A.cs"] = """
                class A {
                    //@since 02
                    int F() {
                        //@todo 02 F: return one
                        return 1;
                        //@end
                    }
                    //@end
                    //@before 03
                    //~ int Old() => 0;
                    //@end
                    //@since 03
                    int New() => 3;
                    //@end
                }
                """,
            ["Late.cs"] = "//@since 03\nclass Late { }\n",
            ["Stand.cs"] = """
                class Stand {
                    //@since 02
                    int G() {
                        //@todo 02 G: return two
                        return 2;
                        //@starter
                        //~ return 1; // the old behaviour
                        //@end
                    }
                    //@end
                }
                """,
        }, g =>
        {
            var stand = g.Render(2, Variant.Starter)["Stand.cs"];
            stand.ShouldContain("// TODO(ch02): G: return two");
            stand.ShouldContain("return 1; // the old behaviour");
            stand.ShouldNotContain("NotImplementedException", Case.Sensitive, "a stand-in replaces the throw");
            stand.ShouldNotContain("return 2;");
            g.Render(2, Variant.Solution)["Stand.cs"].ShouldNotContain("return 1;");
            g.Render(3, Variant.Starter)["Stand.cs"].ShouldContain("return 2;");

            var ch1 = g.Render(1, Variant.Starter);
            ch1["A.cs"].ShouldNotContain("F()");
            ch1["A.cs"].ShouldContain("int Old() => 0;");
            ch1.ShouldNotContainKey("Late.cs");

            var ch2 = g.Render(2, Variant.Starter)["A.cs"];
            ch2.ShouldContain("// TODO(ch02): F: return one");
            ch2.ShouldContain("throw new NotImplementedException(\"TODO(ch02) F: return one\");");
            ch2.ShouldNotContain("return 1;");
            ch2.ShouldNotContain("//@");

            var solution2 = g.Render(2, Variant.Solution)["A.cs"];
            solution2.ShouldContain("return 1;");
            solution2.ShouldNotContain("TODO");

            var ch3 = g.Render(3, Variant.Starter);
            ch3["A.cs"].ShouldContain("return 1;", Case.Sensitive, "a later starter has the earlier chapter solved");
            ch3["A.cs"].ShouldContain("int New() => 3;");
            ch3["A.cs"].ShouldNotContain("Old()");
            ch3.ShouldContainKey("Late.cs");
        });
    }

    [Fact]
    public void A_todo_that_would_show_before_its_chapter_is_refused_with_its_place()
    {
        WithSource(new() { ["B.cs"] = "class B {\n    int F() {\n        //@todo 02 F: later\n        return 1;\n        //@end\n    }\n}\n" }, g =>
        {
            var error = Should.Throw<InvalidDataException>(() => g.Render(1, Variant.Starter));
            error.Message.ShouldContain("B.cs:3");
            error.Message.ShouldContain("//@since 02");
        });
    }

    private static void WithSource(Dictionary<string, string> files, Action<ChapterGenerator> check)
    {
        var root = Path.Combine(Path.GetTempPath(), $"chaptergen-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(root, "course"));
        Directory.CreateDirectory(Path.Combine(root, "course", "source"));
        try
        {
            File.WriteAllText(Path.Combine(root, "course", "course.json"),
                """{ "chapters": [ { "number": 1, "slug": "01-a", "ready": true }, { "number": 2, "slug": "02-b", "ready": true }, { "number": 3, "slug": "03-c", "ready": true } ] }""");
            foreach (var (name, text) in files)
            {
                File.WriteAllText(Path.Combine(root, "course", "source", name), text);
            }
            check(new ChapterGenerator(CourseManifest.Load(root)));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
