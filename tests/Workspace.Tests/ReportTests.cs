using Course;

namespace Workspace.Tests;

// What `check` and `watch` say about one failure: the gate's sentence first, and for an exception thrown in the
// learner's code, where it was thrown and which open TODO it is in.
public sealed class ReportTests
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "report-root");
    private static readonly string CodeDir = Path.Combine(Root, "chapters", "03-log-replication");

    private static TestResult Thrown(string method, int line) => new(
        "Raft.Gate.Ch01.DispatchTests.Send_heartbeats_sends_one_empty_AppendEntries_to_each_peer",
        "Raft.Gate.Ch01.DispatchTests", 1, false, "Failed",
        "System.Collections.Generic.KeyNotFoundException : The given key '1' was not present in the dictionary.",
        $"   at System.Collections.Generic.Dictionary`2.get_Item(TKey key)\n" +
        $"   at Raft.RaftNode.{method}(Int32 peer) in {Path.Combine(CodeDir, "RaftNode.Replication.cs")}:line {line}\n" +
        $"   at Raft.Gate.Ch01.DispatchTests.Send_heartbeats() in /repo/tests/01-node-setup/DispatchTests.cs:line 70");

    [Fact]
    public void An_exception_in_the_learners_code_names_its_line_and_the_open_todo_it_is_in()
    {
        var open = new[] { new OpenTodo(3, "SendAppendEntries", "chapters/03-log-replication/RaftNode.Replication.cs", 48, "SendAppendEntries") };

        var text = Report.Explain(Thrown("SendAppendEntries", 52), CodeDir, Root, open);

        text.ShouldContain("Thrown in your code at chapters/03-log-replication/RaftNode.Replication.cs:52 (SendAppendEntries): System.Collections.Generic.KeyNotFoundException",
            Case.Sensitive, "the deepest frame in the chapter's folder is where the learner looks");
        text.ShouldContain("That is in TODO SendAppendEntries (chapters/03-log-replication/RaftNode.Replication.cs:48), still open",
            Case.Sensitive, "an exception in a method whose TODO is open names that TODO");
    }

    [Fact]
    public void An_exception_elsewhere_lists_the_open_todos_it_may_wait_on()
    {
        var open = new[] { new OpenTodo(3, "LeaderState", "chapters/03-log-replication/RaftNode.Terms.cs", 61, "InitializeLeaderState") };

        var text = Report.Explain(Thrown("SendAppendEntries", 52), CodeDir, Root, open);

        text.ShouldContain("TODOs still open: LeaderState (chapters/03-log-replication/RaftNode.Terms.cs:61)", Case.Sensitive,
            "the exception is not in LeaderState's method, but a half-written chapter may leave state unset");
        text.ShouldNotContain("That is in TODO", Case.Sensitive, "no TODO is named as the place when the exception is elsewhere");
    }

    [Fact]
    public void A_failed_check_puts_the_rule_first_and_the_values_after()
    {
        var result = new TestResult("Raft.Gate.Ch03.AppendEntriesHandlerTests.A_heartbeat_is_checked", "Raft.Gate.Ch03.AppendEntriesHandlerTests", 3, false, "Failed",
            "Shouldly.ShouldAssertException : reply.Success\n    should be\nFalse\n    but was\nTrue\n\nAdditional Info:\n    §5.3: the consistency check applies to every AppendEntries.",
            "   at Raft.Gate.Ch03.AppendEntriesHandlerTests.A_heartbeat_is_checked() in /repo/tests/03-log-replication/AppendEntriesHandlerTests.cs:line 60");

        var lines = Report.Explain(result, CodeDir, Root, []).Split('\n');

        lines[0].ShouldBe("§5.3: the consistency check applies to every AppendEntries.", "the sentence with the rule comes first");
        lines[1].ShouldBe("Observed: reply.Success should be False, but was True.", "the expression and its values follow on one line");
        lines.ShouldNotContain(l => l.StartsWith("Thrown in your code", StringComparison.Ordinal), "a failed check in a test is not an exception in the learner's code");
    }
}
