using System.Collections.Concurrent;
using System.Xml.Linq;
using Raft.Simulation.Linearizability;

namespace Raft.Simulation.Tests;

// Hand-made histories of a key-value store: legal ones must pass, each planted anomaly must fail with a small minimal
// history and an explanation that names the key.
public sealed class LinearizabilityTests
{
    private static Operation Put(int client, string value, long invoke, long complete, string key = "x") =>
        Operation.Put(client, key, value, invoke, complete);

    private static Operation Append(int client, string value, long invoke, long complete, string key = "x") =>
        Operation.Append(client, key, value, invoke, complete);

    private static Operation Get(int client, string? output, long invoke, long complete, string key = "x") =>
        Operation.Get(client, key, output, invoke, complete);

    private static KeyVerdict Only(params Operation[] history)
    {
        var result = LinearizabilityChecker.Check(history);
        result.Keys.Count.ShouldBe(1);
        return result.Keys[0];
    }

    private static void ShouldPass(params Operation[] history)
    {
        var result = LinearizabilityChecker.Check(history);
        result.Linearizable.ShouldBeTrue(result.Summary());
        result.Failures.ShouldBeEmpty();
        result.Undecided.ShouldBeEmpty();
    }

    private static KeyVerdict ShouldFail(params Operation[] history)
    {
        var result = LinearizabilityChecker.Check(history);
        result.Linearizable.ShouldBeFalse();
        var failure = result.Failures.ShouldHaveSingleItem();
        failure.GaveUp.ShouldBeFalse();
        failure.Order.ShouldBeNull();
        failure.StuckAt.ShouldNotBeNull();
        failure.Minimal.ShouldNotBeNull();
        failure.Explanation.ShouldStartWith($"key {failure.Key}: no order of");
        return failure;
    }

    [Fact]
    public void A_sequential_history_passes_and_its_order_is_the_real_time_order()
    {
        var history = new[]
        {
            Get(1, null, 0, 5), Put(1, "1", 10, 20), Get(2, "1", 30, 40), Append(2, "2", 50, 60), Get(1, "12", 70, 80),
            Put(2, "", 90, 95), Get(1, "", 100, 110), Append(1, "z", 120, 130), Get(2, "z", 140, 150),
        };

        var verdict = Only(history);

        verdict.Linearizable.ShouldBeTrue(verdict.Explanation);
        verdict.Order.ShouldBe(history);
        verdict.Explanation.ShouldStartWith("key x: linearizable (9 operations).");
    }

    [Fact]
    public void A_get_overlapping_a_put_may_see_the_value_before_or_after_it()
    {
        ShouldPass(Put(1, "1", 0, 100), Get(2, null, 10, 20));
        ShouldPass(Put(1, "1", 0, 100), Get(2, "1", 10, 20));
        ShouldPass(Put(1, "1", 0, 100), Get(2, "1", 10, 20), Get(3, "1", 30, 40));
    }

    [Fact]
    public void A_get_overlapping_two_puts_may_see_either_and_a_later_get_the_other()
    {
        Operation[] puts = [Put(1, "1", 0, 10), Put(1, "2", 20, 40), Put(2, "3", 20, 40)];
        ShouldPass([.. puts, Get(3, "2", 30, 50)]);
        ShouldPass([.. puts, Get(3, "3", 30, 50)]);
        ShouldPass([.. puts, Get(3, "1", 15, 25)]);
        ShouldPass([.. puts, Get(3, "2", 30, 50), Get(3, "3", 60, 70)]);
        ShouldPass([.. puts, Get(3, "3", 30, 50), Get(3, "2", 60, 70)]);
    }

    [Fact]
    public void Concurrent_appends_may_land_in_either_order()
    {
        Operation[] appends = [Append(1, "a", 0, 10), Append(2, "b", 0, 10)];
        ShouldPass([.. appends, Get(3, "ab", 20, 30)]);
        ShouldPass([.. appends, Get(3, "ba", 20, 30)]);
        ShouldPass([.. appends, Get(3, "b", 5, 8), Get(3, "ba", 20, 30)]);
    }

    [Fact]
    public void Intervals_are_closed_so_an_operation_starting_at_the_tick_another_ends_overlaps_it()
    {
        ShouldPass(Put(1, "1", 0, 10), Get(2, null, 10, 20));
        ShouldFail(Put(1, "1", 0, 10), Get(2, null, 11, 20));
    }

    [Fact]
    public void Missing_is_not_the_empty_string()
    {
        ShouldFail(Get(1, "", 0, 10)).Explanation.ShouldContain("x starts missing");
        ShouldPass(Append(1, "", 0, 10), Get(1, "", 20, 30));
    }

    [Fact]
    public void An_unknown_write_may_have_taken_effect_or_not()
    {
        var put = Operation.Put(1, "x", "1", 0, 10).AsUnknown();
        put.Complete.ShouldBe(Operation.Never);
        ShouldPass(put, Get(2, "1", 100, 110));
        ShouldPass(put, Get(2, null, 100, 110));
        ShouldPass(put, Get(2, null, 100, 110), Get(2, "1", 120, 130));

        var append = Operation.Append(1, "x", "a", 0, 0, Outcome.Unknown);
        ShouldPass(append, Append(2, "b", 5, 10), Get(2, "ab", 20, 30));
        ShouldPass(append, Append(2, "b", 5, 10), Get(2, "b", 20, 30), Get(2, "ba", 40, 50));
        ShouldPass(append, Append(2, "b", 5, 10), Get(2, "b", 20, 30));
    }

    [Fact]
    public void An_unknown_write_may_become_visible_long_after_it_was_invoked()
    {
        var late = Operation.Put(2, "x", "2", 20, Operation.Never, Outcome.Unknown);
        var history = new[]
        {
            Put(1, "1", 0, 10), late, Get(1, "1", 30, 40), Get(3, "1", 1_000, 1_010), Get(1, "2", 5_000, 5_010), Get(3, "2", 6_000, 6_010),
        };

        var verdict = Only(history);

        verdict.Linearizable.ShouldBeTrue(verdict.Explanation);
        verdict.Order!.ToList().IndexOf(late).ShouldBe(3, "it can only have taken effect between the reads at 1,000 and 5,000");
    }

    [Fact]
    public void An_unknown_write_that_never_took_effect_is_left_out_of_the_order()
    {
        var verdict = Only(Put(1, "1", 0, 10), Operation.Put(2, "x", "2", 5, 0, Outcome.Unknown), Get(3, "1", 20, 30), Get(3, "1", 40, 50));

        verdict.Linearizable.ShouldBeTrue(verdict.Explanation);
        verdict.Order!.Count.ShouldBe(3);
        verdict.Explanation.ShouldContain("1 write(s) with an unknown outcome need not have taken effect");
    }

    [Fact]
    public void A_get_whose_answer_never_came_constrains_nothing()
    {
        var verdict = Only(Put(1, "1", 0, 10), Operation.Get(2, "x", "nonsense", 20, 0, Outcome.Unknown), Get(3, "1", 40, 50));

        verdict.Linearizable.ShouldBeTrue(verdict.Explanation);
        verdict.Order!.Count.ShouldBe(2);
    }

    // Stale read: put 1 completes, then put 2 completes, then a get that started after put 2 completed returns 1. The
    // history around it is fine, so the minimal history must be exactly these three.
    [Fact]
    public void A_stale_read_fails_with_the_two_puts_and_the_read_as_its_minimal_history()
    {
        var stale = new[] { Put(1, "1", 1_000, 1_010), Put(1, "2", 1_020, 1_030), Get(2, "1", 1_040, 1_050) };
        var history = Noise(0, 20).Concat(stale).Concat(Noise(2_000, 20)).ToArray();

        var failure = ShouldFail(history);

        failure.Key.ShouldBe("x");
        failure.Operations.Count.ShouldBe(history.Length);
        failure.Minimal.ShouldBe(stale);
        failure.MinimalIsPartial.ShouldBeFalse();
        failure.Explanation.ShouldContain("no order of these 3 operations explains what the clients saw");
        failure.Explanation.ShouldContain("The longest order found: c1 put x \"1\" [1000..1010] ok, then c1 put x \"2\" [1020..1030] ok; after it, x is \"2\"");
        failure.Explanation.ShouldContain("the next operation that must come (c2 get x → \"1\" [1040..1050] ok) needs \"1\"");
        failure.StuckAt!.MustCome.ShouldBe(stale[2]);
        failure.StuckAt.State.ShouldBe("2");
        failure.StuckAt.At.ShouldBe(1_050);
    }

    [Fact]
    public void A_lost_write_fails()
    {
        var failure = ShouldFail([.. Noise(0, 10, key: "other"), Put(1, "1", 100, 110), Get(2, null, 120, 130)]);

        failure.Key.ShouldBe("x");
        failure.Minimal!.Count.ShouldBe(2);
        failure.Explanation.ShouldContain("key x");
        failure.Explanation.ShouldContain("needs missing");
    }

    [Fact]
    public void A_lost_write_seen_as_the_old_value_fails()
    {
        var failure = ShouldFail([.. Noise(0, 10), Put(1, "old", 1_000, 1_010), Put(2, "new", 1_020, 1_030), Get(1, "old", 1_040, 1_050), Get(2, "old", 1_060, 1_070)]);

        failure.Minimal!.Count.ShouldBe(3);
        failure.Minimal.ShouldContain(o => o.Value == "new");
    }

    [Fact]
    public void A_write_applied_twice_fails()
    {
        var twice = Get(2, "aa", 50, 60);
        var append = Append(1, "a", 10, 20);
        var failure = ShouldFail(Put(3, "0", 0, 5), append, Get(2, "0a", 30, 40), twice);

        failure.Minimal.ShouldBe([append, twice]);
        failure.Explanation.ShouldContain("key x");
        failure.Explanation.ShouldContain("needs \"aa\"");
    }

    [Fact]
    public void A_failed_write_that_is_visible_fails()
    {
        var refused = Operation.Put(1, "x", "1", 10, 20, Outcome.Failed);
        var failure = ShouldFail(Put(2, "0", 0, 5), refused, Get(2, "1", 30, 40));

        failure.Minimal!.Count.ShouldBe(2, "the read, and the failed put shown beside it");
        failure.Minimal.ShouldContain(refused);
        failure.Explanation.ShouldContain("key x");
        failure.Explanation.ShouldContain("c1 put x \"1\" [10..20] failed, yet a read saw the value it would have written.");
    }

    [Fact]
    public void A_read_of_a_value_nobody_wrote_fails()
    {
        var failure = ShouldFail(Put(1, "1", 0, 10), Get(2, "1", 20, 30), Put(1, "2", 40, 50), Get(2, "7", 60, 70), Get(2, "2", 80, 90));

        failure.Minimal!.ShouldHaveSingleItem().Output.ShouldBe("7");
        failure.Explanation.ShouldContain("key x: no order of operations explains what the client saw");
        failure.Explanation.ShouldContain("No operation on x wrote anything that could make \"7\"");
    }

    [Fact]
    public void Keys_are_checked_on_their_own_and_only_the_broken_one_fails()
    {
        var history = new List<Operation>();
        history.AddRange(Noise(0, 30, key: "x"));
        history.AddRange([Put(4, "1", 0, 10, "y"), Put(4, "2", 20, 30, "y"), Get(5, "1", 40, 50, "y")]);
        history.AddRange(Noise(100, 30, key: "z"));

        var result = LinearizabilityChecker.Check(history);

        result.Linearizable.ShouldBeFalse();
        result.Keys.Select(k => k.Key).ShouldBe(["x", "y", "z"]);
        result.Failures.ShouldHaveSingleItem().Key.ShouldBe("y");
        result["x"]!.Linearizable.ShouldBeTrue();
        result["z"]!.Linearizable.ShouldBeTrue();
        result["y"]!.Minimal!.Count.ShouldBe(3);
        result.Summary().ShouldStartWith("NOT linearizable: 1 of 3 keys failed (y)");
        result.Summary().ShouldContain("key y: no order of these 3 operations");
    }

    [Fact]
    public void An_empty_history_is_linearizable()
    {
        var result = LinearizabilityChecker.Check([]);

        result.Linearizable.ShouldBeTrue();
        result.Keys.ShouldBeEmpty();
    }

    [Fact]
    public void Malformed_operations_are_refused()
    {
        Should.Throw<ArgumentException>(() => LinearizabilityChecker.Check([Put(1, "1", 10, 5)])).Message.ShouldContain("completes before it is invoked");
        Should.Throw<ArgumentException>(() => LinearizabilityChecker.Check([new Operation(1, OperationKind.Put, "x", null, null, 0, 1, Outcome.Ok)]));
        Should.Throw<ArgumentException>(() => LinearizabilityChecker.CheckKey("y", [Put(1, "1", 0, 5)]));
    }

    // Twenty appends that all overlap, then a read no order of them can produce: every one of the 20! orders gives a
    // different value, so the cache never helps and the search cannot finish in any reasonable time.
    [Fact]
    public void A_search_that_runs_out_of_budget_gives_up_rather_than_pass_or_fail()
    {
        var history = Enumerable.Range(0, 20).Select(i => Append(i, ((char)('a' + i)).ToString(), 0, 100))
            .Append(Get(99, "impossible", 200, 300)).ToList();

        var result = LinearizabilityChecker.Check(history, TimeSpan.FromMilliseconds(50));

        result.Linearizable.ShouldBeFalse();
        result.Failures.ShouldBeEmpty();
        var verdict = result.Undecided.ShouldHaveSingleItem();
        verdict.GaveUp.ShouldBeTrue();
        verdict.Linearizable.ShouldBeFalse();
        verdict.Minimal.ShouldBeNull();
        verdict.GaveUpReason!.ShouldContain("the budget of 50 ms ran out");
        verdict.Explanation.ShouldContain("neither a pass nor a failure");
        result.Summary().ShouldStartWith("Undecided");
    }

    [Fact]
    public void The_picture_of_a_failure_draws_lanes_marks_the_minimal_history_and_the_stuck_point()
    {
        var refused = Operation.Put(3, "x", "<3>", 5, 15, Outcome.Failed);
        var unknown = Operation.Append(3, "x", "&", 20, 0, Outcome.Unknown);
        var verdict = ShouldFail(Put(1, "1", 0, 10), refused, unknown, Put(1, "2", 20, 30), Get(2, "1", 40, 50));

        var svg = XElement.Parse(HistoryPicture.Svg(verdict));
        XNamespace ns = "http://www.w3.org/2000/svg";
        var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToList();
        texts.ShouldContain("c1");
        texts.ShouldContain("c2");
        texts.ShouldContain("c3");
        texts.ShouldContain("put x=1");
        texts.ShouldContain("get x→1");
        texts.ShouldContain("put x=<3>", "text is escaped, not dropped");
        texts.ShouldContain("append x+=&");
        svg.Descendants(ns + "g").Count(g => ((string?)g.Attribute("class"))?.Contains("minimal", StringComparison.Ordinal) == true).ShouldBe(3);
        var stuck = svg.Descendants(ns + "g").Single(g => (string?)g.Attribute("class") == "stuck");
        stuck.Value.ShouldContain("stuck here");
        stuck.Value.ShouldContain("x is \"2\"");

        var html = HistoryPicture.Html(verdict);
        html.ShouldContain("<svg");
        html.ShouldContain("key x");
        html.ShouldContain("class=\"stuck\"");
        html.ShouldContain("&lt;3&gt;");
        html.ShouldNotContain("<3>");
    }

    [Fact]
    public void The_page_of_a_check_is_written_to_a_file()
    {
        var result = LinearizabilityChecker.Check([.. Noise(0, 10, key: "fine"), Put(1, "1", 0, 10), Get(2, null, 20, 30)]);
        var path = Path.Combine(Path.GetTempPath(), $"raft-linearizability-{Environment.ProcessId}", "check.html");

        HistoryPicture.WriteHtml(path, result);
        var html = File.ReadAllText(path);
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);

        html.ShouldContain("<svg");
        html.ShouldContain("NOT linearizable: 1 of 2 keys failed (x)");
        html.ShouldContain("stuck here");
        html.ShouldContain("Also linearizable: fine");
    }

    [Fact]
    public void The_recorder_reports_operations_never_completed_as_unknown()
    {
        var now = 0L;
        var recorder = new HistoryRecorder(() => now += 10);
        var put = recorder.Invoke(1, OperationKind.Put, "x", "1");
        var get = recorder.Invoke(2, OperationKind.Get, "x", null);
        var refused = recorder.Invoke(3, OperationKind.Append, "x", "a");
        var timedOut = recorder.Invoke(3, OperationKind.Append, "x", "b");
        var hanging = recorder.Invoke(4, OperationKind.Put, "x", "2");
        recorder.Ok(put);
        recorder.Ok(get, "1");
        recorder.Fail(refused);
        recorder.Unknown(timedOut);

        var history = recorder.History();

        history.Select(o => o.ToString()).ShouldBe([
            "c1 put x \"1\" [10..60] ok",
            "c2 get x → \"1\" [20..70] ok",
            "c3 append x \"a\" [30..80] failed",
            "c3 append x \"b\" [40..?] unknown",
            "c4 put x \"2\" [50..?] unknown",
        ]);
        history[4].Complete.ShouldBe(Operation.Never);
        Should.Throw<InvalidOperationException>(() => recorder.Ok(put));
        Should.Throw<ArgumentOutOfRangeException>(() => recorder.Ok(99));
        LinearizabilityChecker.Check(history).Linearizable.ShouldBeTrue();
    }

    [Fact]
    public void The_recorder_gives_unique_ids_under_concurrent_use()
    {
        var recorder = new HistoryRecorder();
        var ids = new ConcurrentBag<long>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, client =>
        {
            for (var i = 0; i < 500; i++)
            {
                var id = recorder.Invoke(client, OperationKind.Append, "k" + client, "v");
                ids.Add(id);
                if (i % 3 == 0)
                {
                    recorder.Ok(id);
                }
            }
        });

        ids.Count.ShouldBe(4000);
        ids.Distinct().Count().ShouldBe(4000);
        var history = recorder.History();
        history.Count.ShouldBe(4000);
        history.Count(o => o.Outcome == Outcome.Ok).ShouldBe(8 * 167);
        history.Count(o => o.Outcome == Outcome.Unknown).ShouldBe(4000 - 8 * 167);
        history.Zip(history.Skip(1)).ShouldAllBe(p => p.First.Invoke <= p.Second.Invoke, "ids and invocation times rise together");
    }

    [Fact]
    public void An_operation_reads_as_a_line()
    {
        Operation.Append(2, "x", "b", 10, 25).ToString().ShouldBe("c2 append x \"b\" [10..25] ok");
        Operation.Get(1, "x", null, 0, 5).ToString().ShouldBe("c1 get x → missing [0..5] ok");
        Operation.Get(1, "x", "say \"hi\"", 0, 5).ToString().ShouldBe("c1 get x → \"say \\\"hi\\\"\" [0..5] ok");
        Operation.Put(1, "x", new string('a', 100), 0, 5).ToString().ShouldContain("(100 chars)");
    }

    // A fine sequential run of puts and reads on one key, with values no other test uses.
    private static IEnumerable<Operation> Noise(long from, int count, string key = "x")
    {
        for (var i = 0; i < count; i++)
        {
            var t = from + 20 * i;
            yield return i % 2 == 0 ? Put(7, $"n{from}-{i}", t, t + 5, key) : Get(8, $"n{from}-{i - 1}", t, t + 5, key);
        }
    }
}
