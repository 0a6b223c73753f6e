using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Workspace.Tests;

// A loop whose body holds the checks proves nothing if it runs zero times: a test that checks every byte offset of a
// file passes without checking anything when the file is empty. This reads the gates' source and finds each loop with a
// check in its body that can run zero times without a failure: one over a fixed, non-empty range or table is fine, and so
// is one whose count of iterations (or whose collection's size) is checked in the same method.
public sealed class VacuousLoopTests
{
    /// <summary>Why a loop is fine, or null if nothing stops it from running zero times unnoticed.</summary>
    internal static string? Guard(StatementSyntax loop, MemberDeclarationSyntax method, SyntaxNode file)
    {
        switch (loop)
        {
            case ForStatementSyntax f when LiteralFor(f):
                return "a fixed range";
            case ForEachStatementSyntax e when NonEmptyLiteral(e.Expression, file):
                return "a fixed, non-empty table";
            case WhileStatementSyntax { Condition: LiteralExpressionSyntax { Token.ValueText: "true" } }:
            case DoStatementSyntax:
                return "runs at least once";
        }
        // A counter incremented in the body, or the collection iterated, checked by an assertion of the same method.
        var body = loop switch
        {
            ForStatementSyntax f => f.Statement,
            ForEachStatementSyntax e => e.Statement,
            WhileStatementSyntax w => w.Statement,
            _ => null,
        };
        var counters = body is null ? [] : body.DescendantNodesAndSelf().Select(Counter).OfType<string>().ToHashSet(StringComparer.Ordinal);
        // What the loop goes through: a foreach's collection, or X in a for loop's i < X.Count (or X.Length).
        var collection = loop switch
        {
            ForEachStatementSyntax fe => fe.Expression.ToString(),
            ForStatementSyntax { Condition: BinaryExpressionSyntax { Right: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Count" or "Length", Expression: var x } } } => x.ToString(),
            _ => null,
        };
        // Only checks outside the loop say whether it ran: a counter checked after it, a size checked before or after.
        foreach (var check in Assertions(method).Where(c => !loop.Span.Contains(c.Span)))
        {
            if (check.SpanStart > loop.Span.End && counters.Any(c => Mentions(check, c)) && FailsOnZero(check))
            {
                return "its counter is checked";
            }
            if (collection is not null && Mentions(check, collection) && SizeCheck(check) && FailsOnZero(check))
            {
                return "its collection's size is checked";
            }
        }
        return null;
    }

    private static bool Mentions(SyntaxNode check, string text) =>
        check.DescendantNodesAndSelf().Any(n => n is ExpressionSyntax && n.ToString() == text);

    /// <summary>True for a check of a size: x.Count.ShouldBe(...), x.ShouldNotBeEmpty(), x.ShouldHaveSingleItem(), x.Length.ShouldBe...(...).</summary>
    private static bool SizeCheck(InvocationExpressionSyntax check) =>
        check.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: var name, Expression: var receiver } &&
        (name is "ShouldNotBeEmpty" or "ShouldHaveSingleItem" ||
         (name.StartsWith("ShouldBe", StringComparison.Ordinal) && receiver is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Count" or "Length" }) ||
         (name == "ShouldBe" && receiver is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Count" } }));

    /// <summary>
    /// True if the check fails when what it is called on is zero or empty: only then does it prove the loop ran.
    /// <c>n.ShouldBeGreaterThanOrEqualTo(0)</c> or <c>frames.Count.ShouldBeLessThanOrEqualTo(5)</c> pass on zero.
    /// </summary>
    private static bool FailsOnZero(InvocationExpressionSyntax check)
    {
        if (check.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: var name })
        {
            return false;
        }
        var first = check.ArgumentList.Arguments.FirstOrDefault()?.Expression;
        // A bound that is not a number written in the code (expected.Length) is taken to be what the test means.
        var bound = first is null ? null : Number(first);
        return name switch
        {
            "ShouldNotBeEmpty" or "ShouldHaveSingleItem" or "ShouldBeTrue" => true,
            "ShouldBe" => first is not null && bound != 0,
            "ShouldBeGreaterThan" => bound is null or >= 0,
            "ShouldBeGreaterThanOrEqualTo" or "ShouldBeInRange" => bound is null or >= 1,
            "ShouldNotBe" => bound == 0,
            _ => false,
        };
    }

    private static IEnumerable<InvocationExpressionSyntax> Assertions(SyntaxNode method) =>
        method.DescendantNodes().OfType<InvocationExpressionSyntax>().Where(IsAssertion);

    private static bool IsAssertion(InvocationExpressionSyntax call) => call.Expression switch
    {
        MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "Assert" }, Name.Identifier.ValueText: var n } => n != "Fail",
        MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "Should" } } => true,
        MemberAccessExpressionSyntax { Name.Identifier.ValueText: var n } => n.StartsWith("Should", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>The variable a statement or expression counts up (x++, ++x, x += 1), or null.</summary>
    private static string? Counter(SyntaxNode node) => node switch
    {
        PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression, Operand: IdentifierNameSyntax id } => id.Identifier.ValueText,
        PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression, Operand: IdentifierNameSyntax id } => id.Identifier.ValueText,
        AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.AddAssignmentExpression, Left: IdentifierNameSyntax id } => id.Identifier.ValueText,
        _ => null,
    };

    /// <summary>for (var i = A; i &lt; B; ...) with A and B whole numbers written in the code, B above A.</summary>
    private static bool LiteralFor(ForStatementSyntax f) =>
        f.Declaration?.Variables is [{ Initializer.Value: var start }] &&
        Number(start) is { } from &&
        f.Condition is BinaryExpressionSyntax { Right: var bound, RawKind: var kind } &&
        Number(bound) is { } to &&
        (kind == (int)SyntaxKind.LessThanExpression ? to > from : kind == (int)SyntaxKind.LessThanOrEqualExpression && to >= from);

    private static long? Number(ExpressionSyntax e) => e switch
    {
        LiteralExpressionSyntax { Token.Value: int i } => i,
        LiteralExpressionSyntax { Token.Value: long l } => l,
        _ => null,
    };

    /// <summary>A collection written out in the code with at least one element, or a name bound to one in this file.</summary>
    private static bool NonEmptyLiteral(ExpressionSyntax e, SyntaxNode file)
    {
        switch (e)
        {
            case CollectionExpressionSyntax c:
                return c.Elements.Count > 0;
            case ArrayCreationExpressionSyntax { Initializer: { } init }:
                return init.Expressions.Count > 0;
            case ImplicitArrayCreationExpressionSyntax a:
                return a.Initializer.Expressions.Count > 0;
            case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Range" }, ArgumentList.Arguments: [_, var count] }:
                return Number(count.Expression) > 0;
            case IdentifierNameSyntax id:
                var declared = file.DescendantNodes().OfType<VariableDeclaratorSyntax>()
                    .Where(v => v.Identifier.ValueText == id.Identifier.ValueText && v.Initializer is not null).ToList();
                return declared.Count == 1 && NonEmptyLiteral(declared[0].Initializer!.Value, file);
            default:
                return false;
        }
    }

    /// <summary>Every loop of the gates' sources whose body checks something, with the method around it.</summary>
    internal static IEnumerable<(string Where, StatementSyntax Loop, MemberDeclarationSyntax Method, SyntaxNode File)> CheckingLoops()
    {
        var files = Directory.EnumerateDirectories(Path.Combine(Repo.Root, "tests"))
            .Where(d => Path.GetFileName(d) is var n && (char.IsDigit(n[0]) || n == "Gate"))
            .SelectMany(d => Course.SourceTree.Files(d, f => f.EndsWith(".cs", StringComparison.Ordinal)));
        foreach (var path in files)
        {
            var root = CSharpSyntaxTree.ParseText(File.ReadAllText(path)).GetRoot();
            foreach (var loop in root.DescendantNodes().OfType<StatementSyntax>().Where(s => s is ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax))
            {
                var body = loop switch
                {
                    ForStatementSyntax f => f.Statement,
                    ForEachStatementSyntax e => e.Statement,
                    WhileStatementSyntax w => w.Statement,
                    DoStatementSyntax d => d.Statement,
                    _ => throw new InvalidOperationException(),
                };
                if (!body.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>().Any(IsAssertion))
                {
                    continue;
                }
                var method = loop.Ancestors().OfType<MemberDeclarationSyntax>().First(m => m is BaseMethodDeclarationSyntax or PropertyDeclarationSyntax or FieldDeclarationSyntax);
                yield return ($"{Path.GetRelativePath(Repo.Root, path)}:{loop.GetLocation().GetLineSpan().StartLinePosition.Line + 1}", loop, method, root);
            }
        }
    }

    [Fact]
    public void No_loop_of_a_gate_can_check_nothing_without_failing()
    {
        var loops = CheckingLoops().ToList();
        loops.Count.ShouldBeGreaterThan(20, "the gates hold many loops that check something in their body; finding none means this test reads the wrong files");

        var vacuous = loops.Where(l => Guard(l.Loop, l.Method, l.File) is null)
            .Select(l => $"{l.Where}: {l.Loop.ToString().Split('\n')[0].Trim()}").ToList();

        vacuous.ShouldBeEmpty("These loops check something in their body but would pass if they ran zero times (an empty file, no seeds, no messages): " +
                              "count the iterations and check the count after the loop (ran.ShouldBe(n, \"...\")), or check the size of what it iterates");
    }

    [Fact]
    public void The_vacuous_loop_check_tells_a_guarded_loop_from_an_unguarded_one()
    {
        static (StatementSyntax Loop, MemberDeclarationSyntax Method, SyntaxNode File) Parse(string code)
        {
            var root = CSharpSyntaxTree.ParseText($"class C {{ static readonly int[] Table = [1, 2]; void M() {{ {code} }} }}").GetRoot();
            var loop = root.DescendantNodes().OfType<StatementSyntax>().First(s => s is ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax);
            return (loop, root.DescendantNodes().OfType<MethodDeclarationSyntax>().Single(), root);
        }
        (string Code, bool Guarded)[] cases =
        [
            ("for (var i = 0; i < bytes.Length; i++) { x.ShouldBe(1, \"s\"); }", false),
            ("foreach (var f in frames) { f.ShouldBe(1, \"s\"); }", false),
            ("var n = 0; foreach (var f in frames) { f.ShouldBe(1, \"s\"); n++; } n.ShouldBe(3, \"s\");", true),
            ("foreach (var f in frames) { f.ShouldBe(1, \"s\"); } frames.Count.ShouldBe(3, \"s\");", true),
            ("frames.ShouldNotBeEmpty(\"s\"); foreach (var f in frames) { f.ShouldBe(1, \"s\"); }", true),
            ("for (var i = 0; i < 12; i++) { x.ShouldBe(1, \"s\"); }", true),
            ("for (var i = 5; i < 5; i++) { x.ShouldBe(1, \"s\"); }", false),
            ("frames.Count.ShouldBe(2, \"s\"); for (var i = 0; i < frames.Count; i++) { frames[i].ShouldBe(1, \"s\"); }", true),
            ("for (var i = 0; i < frames.Count; i++) { frames[i].ShouldBe(1, \"s\"); }", false),
            ("for (var i = 0; i < frames.Count; i++) { i.ShouldBe(1, \"s\"); } var i = 0; i++; i.ShouldBe(1, \"s\");", false),
            ("foreach (var t in Table) { t.ShouldBe(1, \"s\"); }", true),
            ("foreach (var t in new[] { 1, 2 }) { t.ShouldBe(1, \"s\"); }", true),
            ("foreach (var t in Enumerable.Range(1, 0)) { t.ShouldBe(1, \"s\"); }", false),
            ("while (more()) { x.ShouldBe(1, \"s\"); }", false),
            ("var n = 0; foreach (var f in frames) { f.ShouldBe(1, \"s\"); n++; } n.ShouldBeGreaterThanOrEqualTo(0, \"s\");", false),
            ("var n = 0; foreach (var f in frames) { f.ShouldBe(1, \"s\"); n++; } n.ShouldBeGreaterThan(0, \"s\");", true),
            ("foreach (var f in frames) { f.ShouldBe(1, \"s\"); } frames.Count.ShouldBeLessThanOrEqualTo(5, \"s\");", false),
            ("foreach (var f in frames) { f.ShouldBe(1, \"s\"); } frames.Count.ShouldBe(0, \"s\");", false),
            ("foreach (var f in frames) { f.ShouldBe(1, \"s\"); } frames.Count.ShouldBe(expected.Length, \"s\");", true),
        ];
        var tried = 0;
        foreach (var (code, guarded) in cases)
        {
            var (loop, method, file) = Parse(code);
            (VacuousLoopTests.Guard(loop, method, file) is not null).ShouldBe(guarded, $"`{code}` is {(guarded ? "guarded" : "not guarded")}");
            tried++;
        }
        tried.ShouldBe(cases.Length, "every case was tried");
    }
}
