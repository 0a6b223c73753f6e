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
    [InlineData("`frob` is not a command.", "frob")]
    [InlineData("`check` needs a chapter number, like `check 1`.", "check")]
    [InlineData("`hint x`: the chapter is a number from 1 to 5.", "hint", "x")]
    [InlineData("`check 0`: the chapter is a number from 1 to 5.", "check", "0")]
    [InlineData("`reset 9`: the chapter is a number from 1 to 5.", "reset", "9")]
    [InlineData("`compare` takes one chapter number; got `1 2`.", "compare", "1", "2")]
    [InlineData("Chapter 4 (Committing entries) is not written yet", "hint", "4")]
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
    public void Hint_lists_every_todo_of_the_chapter_with_its_hint()
    {
        var (exit, output, _) = Run(Repo.Root, "hint", "1");

        exit.ShouldBe(0);
        foreach (var todo in new ChapterGenerator(Repo.Course).Todos(1))
        {
            output.ShouldContain($"{todo.Id}: ");
            output.ShouldContain(Repo.Course[1].Hints[todo.Id]);
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
        output.ToString().ShouldContain("Chapter 1 is done.");
        output.ToString().ShouldMatch(@"(\d+) of \1 tests pass\.");

        output.GetStringBuilder().Clear();
        app.Run(["status", "--against", "solutions"]).ShouldBe(0);
        output.ToString().ShouldMatch(@"✓ 1 +Node setup .* done: (\d+)/\1 tests pass");
    }
}
