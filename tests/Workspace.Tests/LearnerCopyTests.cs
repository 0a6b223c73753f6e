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
            output.ToString().ShouldContain("This copy of the course has no answers in it", Case.Sensitive, "the last level says the code is not in this copy");

            output.GetStringBuilder().Clear();
            app.Run(["check", "1"]).ShouldBe(1, output.ToString());
            output.ToString().ShouldContain("Open TODOs (", Case.Sensitive, $"check runs the gate on the starter and lists its TODOs:\n{output}");
            output.ToString().ShouldMatch(@"\d+ of \d+ tests pass\.", "check counts the tests");

            output.GetStringBuilder().Clear();
            app.Run(["watch", "--once", "--chapter", "1"]).ShouldBe(1, output.ToString());
            output.ToString().ShouldContain("── verdict 1", Case.Sensitive, $"the watch gives a verdict in the copy:\n{output}");

            app.Run(["compare", "1"]).ShouldBe(1, "compare has nothing to compare with");
        }
        finally
        {
            if (Directory.Exists(copy))
            {
                Directory.Delete(copy, recursive: true);
            }
        }
    }
}
