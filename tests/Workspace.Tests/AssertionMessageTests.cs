using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Workspace.Tests;

// A learner reads every failed check of a gate: each must carry a sentence with its rule, or Shouldly prints only the
// expression ("reply.Success should be True but was False"). This reads the gates' source and finds the checks that
// have no message of their own.
public sealed class AssertionMessageTests
{
    // How many arguments a Shouldly check takes before its optional message.
    private static readonly Dictionary<string, int> ArgumentsBeforeMessage = new()
    {
        ["ShouldBeTrue"] = 0, ["ShouldBeFalse"] = 0, ["ShouldBeNull"] = 0, ["ShouldNotBeNull"] = 0, ["ShouldBeEmpty"] = 0,
        ["ShouldNotBeEmpty"] = 0, ["ShouldHaveSingleItem"] = 0, ["ShouldBeOfType"] = 0, ["ShouldNotBeNullOrWhiteSpace"] = 0,
        ["ShouldBe"] = 1, ["ShouldNotBe"] = 1, ["ShouldContain"] = 1, ["ShouldNotContain"] = 1, ["ShouldBeGreaterThan"] = 1,
        ["ShouldBeLessThan"] = 1, ["ShouldBeGreaterThanOrEqualTo"] = 1, ["ShouldBeLessThanOrEqualTo"] = 1, ["ShouldAllBe"] = 1,
        ["ShouldMatch"] = 1, ["ShouldContainKey"] = 1, ["ShouldNotContainKey"] = 1, ["ShouldStartWith"] = 1, ["ShouldContainKeyAndValue"] = 2, ["ShouldBeInRange"] = 2,
    };

    [Fact]
    public void Every_check_of_a_gate_says_its_rule_in_a_sentence()
    {
        var files = Directory.EnumerateDirectories(Path.Combine(Repo.Root, "tests"))
            .Where(d => Path.GetFileName(d) is var n && (char.IsDigit(n[0]) || n == "Gate"))
            .SelectMany(d => Course.SourceTree.Files(d, f => f.EndsWith(".cs", StringComparison.Ordinal)))
            .ToList();
        files.ShouldNotBeEmpty("the gates' sources are under tests/");

        var bare = new List<string>();
        var unknown = new List<string>();
        foreach (var file in files)
        {
            var root = CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot();
            foreach (var call in root.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (call.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: var name } || !name.StartsWith("Should", StringComparison.Ordinal))
                {
                    continue;
                }
                var where = $"{Path.GetRelativePath(Repo.Root, file)}:{call.GetLocation().GetLineSpan().StartLinePosition.Line + 1}: {name}";
                if (!ArgumentsBeforeMessage.TryGetValue(name, out var before))
                {
                    unknown.Add(where);
                    continue;
                }
                // Options such as ignoreOrder or Case.Sensitive are not the message.
                var args = call.ArgumentList.Arguments.Count(a => a.NameColon is null && !a.Expression.ToString().StartsWith("Case.", StringComparison.Ordinal));
                if (args <= before)
                {
                    bare.Add(where);
                }
            }
        }

        unknown.ShouldBeEmpty("These Shouldly checks are not in this test's table yet: add how many arguments they take before the message");
        bare.ShouldBeEmpty("These checks of a gate carry no sentence: add the rule (with its paper section) and what should hold as the message");
    }
}
