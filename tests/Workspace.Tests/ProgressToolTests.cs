using Course;
using Progress;

namespace Workspace.Tests;

public sealed class ProgressToolTests
{
    private static (int Exit, string Out, string Err) Run(string root, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = new ProgressApp(root, output, error).Run(args);
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("`frob` is not a command, option or argument it knows.", "frob")]
    [InlineData("`check` needs a chapter number, like `check 1`.", "check")]
    [InlineData("`hint x`: the chapter is a number from 1 to 7.", "hint", "x")]
    [InlineData("`check 0`: the chapter is a number from 1 to 7.", "check", "0")]
    [InlineData("`reset 9`: the chapter is a number from 1 to 7.", "reset", "9")]
    [InlineData("`2` is not a command, option or argument it knows.", "compare", "1", "2")]
    [InlineData("Chapter 1 has no TODO called `Bogus`; its TODOs are", "hint", "1", "Bogus")]
    [InlineData("`watch --chapter 8`: the chapter is a number from 1 to 7.", "watch", "--chapter", "8")]
    [InlineData("--against takes `chapters` (your code) or `solutions` (the reference).", "status", "--against", "mine")]
    public void Wrong_arguments_get_a_sentence_the_usage_and_exit_code_2(string sentence, params string[] args)
    {
        var (exit, output, error) = Run(Repo.Root, args);

        exit.ShouldBe(2);
        error.ShouldContain(sentence);
        error.ShouldContain("usage: dotnet run --project tools/progress");
        output.ShouldBeEmpty();
    }

    [Fact]
    public void Help_lists_every_command()
    {
        var (exit, output, _) = Run(Repo.Root, "--help");

        exit.ShouldBe(0, "--help is not an error");
        foreach (var command in new[] { "status", "watch", "check", "hint", "compare", "reset" })
        {
            output.ShouldContain(command, Case.Sensitive, $"--help should list the {command} command");
        }
    }

    [Fact]
    public void Hints_go_one_level_deeper_each_time_from_a_nudge_to_the_rule_to_the_code_and_are_remembered()
    {
        WithCourseCopy(root =>
        {
            var ch = Repo.Course[3];
            var todo = new ChapterGenerator(Repo.Course).Todos(3)[0];
            string[] levels = [.. ch.Hints[todo.Id], todo.Code];

            for (var level = 1; level <= 3; level++)
            {
                var (exit, output, _) = Run(root, "hint", "3");
                exit.ShouldBe(0, output);
                output.ShouldContain($"TODO {todo.Id}, chapter 3", Case.Sensitive, "the first open TODO is the one hinted at");
                output.ShouldContain($"hint {level} of 3", Case.Sensitive, "each call goes one level deeper");
                Flat(output).ShouldContain(Flat(levels[level - 1]), Case.Sensitive, $"level {level} shows its text");
                for (var other = level + 1; other <= 3; other++)
                {
                    Flat(output).ShouldNotContain(Flat(levels[other - 1]), Case.Sensitive, $"level {level} must not give away level {other}");
                }
            }
            Run(root, "hint", "3").Out.ShouldContain("hint 3 of 3", Case.Sensitive, "the last level stays the last");
            var second = new ChapterGenerator(Repo.Course).Todos(3)[1];
            Run(root, "hint", "3", second.Id).Out.ShouldContain($"TODO {second.Id}, chapter 3 ({ch.StarterDir}/{second.File}:{second.Line}): hint 1 of 3",
                Case.Sensitive, "naming a TODO starts its own count, and says where its stub is");
        });
    }

    [Fact]
    public void Without_the_reference_compare_and_reset_say_so_in_a_sentence()
    {
        WithCourseCopy(root =>
        {
            Directory.Delete(Path.Combine(root, "course", "source"), recursive: true);

            var compare = Run(root, "compare", "1");
            compare.Exit.ShouldBe(1);
            compare.Out.ShouldContain("The reference solution is not in this copy of the course", Case.Sensitive, "compare explains why it cannot compare");

            var reset = Run(root, "reset", "1");
            reset.Exit.ShouldBe(1);
            reset.Out.ShouldContain("git checkout -- chapters/01-node-setup", Case.Sensitive, "reset says how to get the starter back without the source");
        });
    }

    // The text with its indentation and line breaks folded, as hint prints it indented.
    private static string Flat(string text) => string.Join(' ', text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));

    /// <summary>A throwaway copy of the course manifest and the chapter starters, so hint state and resets never touch the repository.</summary>
    private static void WithCourseCopy(Action<string> body)
    {
        var root = Path.Combine(Path.GetTempPath(), $"progress-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            CopyDir(Path.Combine(Repo.Root, "course"), Path.Combine(root, "course"));
            foreach (var ch in Repo.Course.Available)
            {
                new ChapterGenerator(Repo.Course).Write(ch.Number, Variant.Starter, Path.Combine(root, ch.StarterDir));
            }
            body(root);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Reset_backs_up_the_learners_files_and_restores_the_starter()
    {
        var root = Path.Combine(Path.GetTempPath(), $"progress-reset-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            CopyDir(Path.Combine(Repo.Root, "course"), Path.Combine(root, "course"));
            var chapter = Path.Combine(root, "chapters", "01-node-setup");
            Directory.CreateDirectory(chapter);
            File.WriteAllText(Path.Combine(chapter, "RaftNode.Log.cs"), "// my half-finished work");
            File.WriteAllText(Path.Combine(chapter, "Scratch.cs"), "// a file of my own");

            var (exit, output, _) = Run(root, "reset", "1");

            exit.ShouldBe(0);
            output.ShouldContain("Backed up chapters/01-node-setup to .progress/backups/01-node-setup-");
            var backup = Directory.GetDirectories(Path.Combine(root, ".progress", "backups")).ShouldHaveSingleItem();
            File.ReadAllText(Path.Combine(backup, "RaftNode.Log.cs")).ShouldBe("// my half-finished work");
            File.ReadAllText(Path.Combine(backup, "Scratch.cs")).ShouldBe("// a file of my own");
            var starter = new ChapterGenerator(CourseManifest.Load(root)).Render(1, Variant.Starter);
            File.ReadAllText(Path.Combine(chapter, "RaftNode.Log.cs")).ShouldBe(starter["RaftNode.Log.cs"]);
            File.Exists(Path.Combine(chapter, "Scratch.cs")).ShouldBeFalse("the starter is restored exactly; the extra file is in the backup");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void CopyDir(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

[Collection("builds")]
public sealed class ProgressToolGateTests
{
    [Fact]
    public void Check_and_status_on_the_reference_report_chapter_one_done()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var app = new ProgressApp(Repo.Root, output, error);

        app.Run(["check", "1", "--against", "solutions"]).ShouldBe(0, output.ToString());
        output.ToString().ShouldContain("Chapter 1 is green.", Case.Sensitive, "a green gate says so");
        output.ToString().ShouldMatch(@"(\d+) of \1 tests pass\.", "the verdict counts the tests");

        output.GetStringBuilder().Clear();
        app.Run(["status", "--against", "solutions"]).ShouldBe(0, output.ToString());
        output.ToString().ShouldMatch(@"✓ 1 +Node setup .* done: (\d+)/\1 tests pass", "status marks a green chapter done");
    }

    [Fact]
    public void Debug_runs_one_test_with_its_seed_as_the_launch_configuration_asks()
    {
        var output = new StringWriter();
        var app = new ProgressApp(Repo.Root, output, new StringWriter());
        try
        {
            app.Run(["debug", "1", "Followers_send_no_heartbeats", "--seed", "3", "--against", "solutions"]).ShouldBe(0, output.ToString());
            output.ToString().ShouldContain("1 of 1 tests pass.", Case.Sensitive, "debug runs exactly the tests whose name contains the text");
            Environment.GetEnvironmentVariable("RAFT_SEED").ShouldBe("3", "the seed reaches the gate as RAFT_SEED, as in the replay command");
        }
        finally
        {
            // The tests of this collection that run gates in this process must not inherit the seed.
            Environment.SetEnvironmentVariable("RAFT_SEED", null);
        }

        // The launch configuration starts the progress tool's build output with the debug command.
        var launch = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root, ".vscode", "launch.json")),
            documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
        var configuration = launch["configurations"]![0]!;
        ((string)configuration["args"]![0]!).ShouldBe("debug", "the launch configuration runs `progress debug`");
        var program = ((string)configuration["program"]!).Replace("${workspaceFolder}", Repo.Root.TrimEnd('/'), StringComparison.Ordinal);
        File.Exists(program).ShouldBeTrue($"the launch configuration's program {program} is where the progress tool is built");
    }
}
