namespace Raft.Gate.Ch01;

// Figure 2: "log[] ... first index is 1". The last index and term are what RequestVote and
// AppendEntries carry, so every later chapter leans on these two helpers.
public sealed class LogHelperTests
{
    [Fact]
    public void Last_log_index_is_zero_for_an_empty_log()
    {
        var (node, _) = Standalone.Node();

        node.LastLogIndex().ShouldBe(0, "Figure 2: indexes start at 1, so an empty log's last index is 0.");
    }

    [Fact]
    public void Last_log_index_counts_entries_because_indexes_start_at_one()
    {
        var (node, _) = Standalone.Node();
        node.CurrentTerm = 2;
        node.Log.AddRange([new LogEntry(1, "x=1"), new LogEntry(1, "y=2"), new LogEntry(2, "x=3")]);

        node.LastLogIndex().ShouldBe(3, "Figure 2: the first index is 1, so three entries end at index 3 (not 2).");
    }

    [Fact]
    public void Last_log_term_is_zero_for_an_empty_log()
    {
        var (node, _) = Standalone.Node();
        node.CurrentTerm = 4;

        node.LastLogTerm().ShouldBe(0, "An empty log has no last entry; its last term is 0, not the current term.");
    }

    [Fact]
    public void Last_log_term_is_the_term_of_the_last_entry()
    {
        var (node, _) = Standalone.Node();
        node.CurrentTerm = 5;
        node.Log.AddRange([new LogEntry(1, "a"), new LogEntry(1, "b"), new LogEntry(3, "c")]);

        node.LastLogTerm().ShouldBe(3, "§5.4.1 compares the term of the last entry, which is neither the current term nor the first entry's.");
    }
}
