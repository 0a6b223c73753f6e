using System.Xml.Linq;

namespace Raft.Simulation.Tests;

public sealed class TimelineTests
{
    [Fact]
    public void The_timeline_draws_lanes_roles_messages_losses_and_failures_as_valid_svg()
    {
        using var cluster = ScriptedNode.Cluster(3, async (node, ct) =>
        {
            try
            {
                if (node.Id == 1)
                {
                    (node.Role, node.CurrentTerm) = (Role.Leader, 1);
                }
                while (true)
                {
                    if (node.Id == 1)
                    {
                        node.Context.Transport.Send(2, new Ping(1, 0));
                    }
                    await Task.Delay(TimeSpan.FromMilliseconds(20), node.Context.Time, ct);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, network: NetworkOptions.Reliable with { DropRate = 0.3 });
        cluster.RunFor(TimeSpan.FromMilliseconds(300));
        cluster.Crash(3);
        cluster.Note("a remark");
        cluster.RunFor(TimeSpan.FromMilliseconds(100));

        var svg = XElement.Parse(new Timeline(cluster.Trace).Svg());
        XNamespace ns = "http://www.w3.org/2000/svg";
        var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToList();

        texts.ShouldContain("n1");
        texts.ShouldContain("n3");
        texts.ShouldContain("T1 leader");
        texts.ShouldContain(t => t.StartsWith("a remark", StringComparison.Ordinal));
        texts.ShouldContain(t => t.StartsWith("crash n3", StringComparison.Ordinal));
        texts.Count(t => t.StartsWith('×')).ShouldBeGreaterThan(0, "lost messages end in a red cross");
        svg.Descendants(ns + "line").Count(l => (string?)l.Attribute("marker-end") == "url(#arrow)").ShouldBeGreaterThan(5, "delivered messages are arrows");
        svg.Descendants(ns + "rect").Count(r => (string?)r.Attribute("fill") == "#66bb6a").ShouldBeGreaterThan(0, "the leader's lane is green");
    }

    [Fact]
    public void The_html_page_names_the_broken_rule_and_holds_the_trace()
    {
        using var cluster = ScriptedNode.Cluster(1, ScriptedNode.Idle);
        Should.Throw<SimulationFailedException>(() =>
        {
            cluster.Do(1, n => (n.Role, n.CurrentTerm) = (Role.Leader, 2));
            cluster.Do(2, n => (n.Role, n.CurrentTerm) = (Role.Leader, 2));
        });

        var path = Path.Combine(Path.GetTempPath(), $"raft-timeline-{Environment.ProcessId}.html");
        var written = new Timeline(cluster.Trace).WriteHtml(path, "two leaders");
        var html = File.ReadAllText(written);
        File.Delete(written);

        html.ShouldContain("<svg");
        html.ShouldContain("Election Safety");
        html.ShouldContain("FAILED Election Safety");
    }
}
