namespace Raft.Simulation.Tests;

// Each Figure 3 property, broken on purpose by scripted nodes, must stop the run at that step
// with the property's name, its section and a sentence.
public sealed class SafetyRuleTests
{
    private static SimulationFailedException Broken(Action<SimCluster<ScriptedNode>> breakIt)
    {
        using var cluster = ScriptedNode.Cluster(1, ScriptedNode.Idle);
        cluster.RunFor(TimeSpan.FromMilliseconds(10));
        return Should.Throw<SimulationFailedException>(() => breakIt(cluster));
    }

    [Fact]
    public void Two_leaders_in_one_term_break_election_safety()
    {
        var error = Broken(c =>
        {
            c.Do(1, n => (n.Role, n.CurrentTerm) = (Role.Leader, 2));
            c.Do(2, n => (n.Role, n.CurrentTerm) = (Role.Leader, 2));
        });

        error.Rule.ShouldBe("Election Safety");
        error.Section.ShouldContain("§5.2");
        error.Sentence.ShouldStartWith("Two leaders in term 2: node 1 and node 2.");
    }

    [Fact]
    public void Leaders_in_different_terms_are_fine()
    {
        using var cluster = ScriptedNode.Cluster(1, ScriptedNode.Idle);
        cluster.Do(1, n => (n.Role, n.CurrentTerm) = (Role.Leader, 2));
        cluster.Do(2, n => (n.Role, n.CurrentTerm) = (Role.Leader, 3));
        cluster.RunFor(TimeSpan.FromMilliseconds(10));

        cluster.Trace.Events.OfType<NodeStateChanged>().Where(e => e.Role == Role.Leader).Select(e => (e.Node, e.Term))
            .ShouldBe([(1, 2L), (2, 3L)], "both leaderships were observed...");
        cluster.Trace.Events.OfType<RunFailed>().ShouldBeEmpty("...and one leader per term is no violation (§5.2).");
    }

    [Fact]
    public void Same_index_and_term_with_different_prefixes_break_log_matching()
    {
        var error = Broken(c =>
        {
            c.Do(1, n => n.Entries.AddRange([new LogEntry(1, "a"), new LogEntry(2, "b")]));
            c.Do(2, n => n.Entries.AddRange([new LogEntry(1, "x"), new LogEntry(2, "b")]));
        });

        error.Rule.ShouldBe("Log Matching");
        error.Sentence.ShouldContain("differ at index 1");
    }

    [Fact]
    public void A_tail_replaced_in_a_later_step_is_checked_again()
    {
        var error = Broken(c =>
        {
            c.Do(1, n => n.Entries.AddRange([new LogEntry(1, "a"), new LogEntry(1, "b")]));
            c.Do(2, n => n.Entries.AddRange([new LogEntry(1, "a"), new LogEntry(1, "b")]));
            // Node 1 loses its last entry and takes another of term 2 in its place: fine so far...
            c.Do(1, n => { n.Entries.RemoveAt(1); n.Entries.Add(new LogEntry(2, "c")); });
            // ...but node 3 holds the same entry of term 2 at index 2 after a different first entry.
            c.Do(3, n => n.Entries.AddRange([new LogEntry(5, "x"), new LogEntry(2, "c")]));
        });

        error.Rule.ShouldBe("Log Matching");
        error.Sentence.ShouldContain("Nodes 3 and 1 both hold an entry of term 2 at index 2, but differ at index 1",
            Case.Sensitive, "the check follows node 1's replaced tail, and names both logs");
    }

    [Fact]
    public void Logs_that_agree_where_they_overlap_pass_however_they_grow()
    {
        using var cluster = ScriptedNode.Cluster(1, ScriptedNode.Idle);
        cluster.RunFor(TimeSpan.FromMilliseconds(10));
        for (var i = 1; i <= 300; i++)
        {
            var entry = new LogEntry(1 + i / 100, $"c{i}");
            cluster.Do(1, n => n.Entries.Add(entry));
            if (i % 3 == 0)
            {
                cluster.Do(2, n => n.Entries.AddRange(cluster.Node(1).Entries.Skip(n.Entries.Count)));
            }
        }
        // Node 3 takes a conflicting tail, then is repaired: truncated to the common prefix and given the leader's entries.
        cluster.Do(3, n => n.Entries.AddRange([.. cluster.Node(1).Entries.Take(50), new LogEntry(9, "stray")]));
        cluster.Do(3, n => { n.Entries.RemoveAt(50); n.Entries.AddRange(cluster.Node(1).Entries.Skip(50)); });

        cluster.Node(3).Entries.ShouldBe(cluster.Node(1).Entries, "node 3 ends with node 1's log");
        cluster.Trace.Events.OfType<RunFailed>().ShouldBeEmpty("logs that agree wherever they overlap break no rule, however often they change");
    }

    [Fact]
    public void An_entry_rewritten_in_the_middle_of_a_committed_log_is_found()
    {
        var error = Broken(c =>
        {
            var entries = Enumerable.Range(1, 200).Select(i => new LogEntry(1, $"c{i}")).ToList();
            c.Do(1, n => { n.Entries.AddRange(entries); n.CommitIndex = 200; });
            c.Do(2, n => { n.Entries.AddRange(entries); n.CommitIndex = 200; });
            // Node 2 replaces index 50 in place and keeps everything after it, which no rule of Raft does. Comparing
            // from the end cannot see it; the whole-log comparison the tracker makes every 64th look must.
            c.Do(2, n => n.Entries[49] = new LogEntry(1, "rewritten"));
            for (var i = 201; i <= 300; i++)
            {
                var entry = new LogEntry(1, $"c{i}");
                c.Do(2, n => n.Entries.Add(entry));
            }
        });

        error.Rule.ShouldBe("Log Matching");
        error.Sentence.ShouldContain("Nodes 2 and 1 both hold an entry of term 1 at index 200, but differ at index 50", Case.Sensitive,
            "the tracker remembers committed entries through the committed log, and still finds one changed under it");
    }

    [Fact]
    public void A_leader_without_a_committed_entry_breaks_leader_completeness()
    {
        var error = Broken(c =>
        {
            c.Do(1, n =>
            {
                n.CurrentTerm = 1;
                n.Entries.Add(new LogEntry(1, "x=1"));
                n.CommitIndex = 1;
            });
            c.Do(2, n => (n.Role, n.CurrentTerm) = (Role.Leader, 2));
        });

        error.Rule.ShouldBe("Leader Completeness and State Machine Safety");
        error.Sentence.ShouldContain("lacks the entry");
    }

    [Fact]
    public void Two_different_committed_entries_at_one_index_break_state_machine_safety()
    {
        var error = Broken(c =>
        {
            c.Do(1, n => { n.Entries.Add(new LogEntry(1, "x=1")); n.CommitIndex = 1; });
            c.Do(2, n => { n.Entries.Add(new LogEntry(2, "x=2")); n.CommitIndex = 1; });
        });

        error.Rule.ShouldBe("Leader Completeness and State Machine Safety");
        error.Sentence.ShouldContain("would apply different commands at the same index");
    }

    [Fact]
    public void A_leader_that_shrinks_its_log_breaks_leader_append_only()
    {
        var error = Broken(c =>
        {
            c.Do(1, n => { (n.Role, n.CurrentTerm) = (Role.Leader, 1); n.Entries.AddRange([new LogEntry(1, "a"), new LogEntry(1, "b")]); });
            c.Do(1, n => n.Entries.RemoveAt(1));
        });

        error.Rule.ShouldBe("Leader Append-Only");
    }

    [Fact]
    public void Applying_past_the_commit_index_breaks_an_index_invariant()
    {
        var error = Broken(c => c.Do(3, n => { n.Entries.Add(new LogEntry(1, "a")); n.LastApplied = 1; }));

        error.Rule.ShouldBe("Index invariants");
        error.Sentence.ShouldContain("apply only committed entries");
    }

    [Fact]
    public void The_run_stops_at_the_step_that_broke_a_rule_and_the_trace_says_so()
    {
        using var cluster = ScriptedNode.Cluster(7, async (node, ct) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100 * node.Id), node.Context.Time, ct);
            (node.Role, node.CurrentTerm) = (Role.Leader, 5);
            await ScriptedNode.Idle(node, ct);
        });

        var error = Should.Throw<SimulationFailedException>(() => cluster.RunFor(TimeSpan.FromSeconds(1)));

        error.At.ShouldBe(TimeSpan.FromMilliseconds(200), "node 2 became the second leader of term 5 at 200 ms");
        cluster.Trace.Events[^1].ShouldBeOfType<RunFailed>().Rule.ShouldBe("Election Safety");
        Should.Throw<SimulationFailedException>(() => cluster.RunFor(TimeSpan.FromSeconds(1)), "a failed run cannot go on");
    }
}
