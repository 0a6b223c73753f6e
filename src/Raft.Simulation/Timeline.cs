using System.Globalization;
using System.Net;
using System.Text;

namespace Raft.Simulation;

/// <summary>
/// Draws a run as a timeline: one lane per node, coloured by role (grey follower, orange candidate,
/// green leader, black crashed), its term and log/commit index written where they change,
/// messages as arrows from sender to receiver (lost ones end in a red cross), and network changes,
/// remarks and failures as vertical lines. Hover over an arrow to read the message.
/// </summary>
public sealed class Timeline
{
    private const int Left = 70;
    private const int Top = 64;
    private const int LaneHeight = 64;
    private const int Band = 16;
    private const int MaxTraceLines = 2000;
    private readonly Trace _trace;
    private readonly TimeSpan _from;
    private readonly TimeSpan _to;
    private readonly double _pxPerMs;

    /// <param name="trace">The run to draw.</param>
    /// <param name="from">Start of the window to draw (default: the start of the run).</param>
    /// <param name="to">End of the window (default: the last event).</param>
    /// <param name="width">Approximate width of the drawing area in pixels.</param>
    public Timeline(Trace trace, TimeSpan? from = null, TimeSpan? to = null, int width = 1400)
    {
        _trace = trace;
        _from = from ?? TimeSpan.Zero;
        var last = trace.Events.Count == 0 ? TimeSpan.Zero : trace.Events[^1].At;
        _to = to ?? (last > _from ? last + TimeSpan.FromMilliseconds(5) : _from + TimeSpan.FromMilliseconds(100));
        _pxPerMs = Math.Clamp(width / Math.Max(1, (_to - _from).TotalMilliseconds), 0.05, 8);
    }

    private double X(TimeSpan t) => Left + (Math.Clamp(t.Ticks, _from.Ticks, _to.Ticks) - _from.Ticks) / (double)TimeSpan.TicksPerMillisecond * _pxPerMs;

    private static double LaneY(int node) => Top + (node - 1) * LaneHeight + LaneHeight / 2.0;

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string E(string s) => WebUtility.HtmlEncode(s);

    /// <summary>
    /// A timeline of the last <paramref name="span"/> before <paramref name="end"/> (the failure, say): a failure's picture
    /// shows what led to it and stays a few MB however long the run was.
    /// </summary>
    public static Timeline Around(Trace trace, TimeSpan end, TimeSpan span) =>
        new(trace, end > span ? end - span : TimeSpan.Zero, end + TimeSpan.FromMilliseconds(20));

    /// <summary>The timeline as a standalone SVG element.</summary>
    public string Svg()
    {
        var width = X(_to) + 30;
        var height = Top + _trace.NodeCount * LaneHeight + 30;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{F(width)}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">");
        sb.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\">" +
                  "<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"context-stroke\"/></marker>" +
                  "<pattern id=\"down\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">" +
                  "<rect width=\"6\" height=\"6\" fill=\"#616161\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#212121\" stroke-width=\"3\"/></pattern></defs>");
        sb.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        Legend(sb);
        Axis(sb, height);
        Lanes(sb);
        Messages(sb);
        Markers(sb, height);
        sb.Append("</svg>");
        return sb.ToString();
    }

    /// <summary>A self-contained HTML page with a title, the seed, the timeline and, if given, what went wrong.</summary>
    public string Html(string title, string? caption = null)
    {
        var failure = _trace.Events.OfType<RunFailed>().FirstOrDefault();
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title></head>")
          .Append("<body style=\"font-family:sans-serif;margin:16px\">").Append(Fragment(title));
        if (caption is not null)
        {
            sb.Append("<pre style=\"color:#c62828;white-space:pre-wrap\">").Append(E(caption)).Append("</pre>");
        }
        if (failure is not null)
        {
            sb.Append("<p style=\"color:#c62828\"><b>").Append(E(failure.Rule)).Append(" (").Append(E(failure.Section)).Append(")</b>: ")
              .Append(E(failure.Sentence)).Append("</p>");
        }
        // The trace of the window only, and at most MaxTraceLines of it: a long run's whole trace made pages of tens of MB.
        var shown = _trace.Events.Where(e => e.At >= _from && e.At <= _to).ToList();
        var before = _trace.Events.Count(e => e.At < _from);
        if (before > 0)
        {
            // What the window starts from: each node's last state before it, and how much happened until then.
            var earlier = _trace.Events.TakeWhile(e => e.At < _from).ToList();
            var states = earlier.OfType<NodeStateChanged>().GroupBy(e => e.Node).Select(g => g.Last()).OrderBy(e => e.Node)
                .Select(e => string.Create(CultureInfo.InvariantCulture, $"n{e.Node} {e.Role} term {e.Term}, {e.LogLength} entries, commit {e.CommitIndex}"));
            var leaders = earlier.OfType<NodeStateChanged>().Where(e => e.Role == Role.Leader).Select(e => e.Term).Distinct().Count();
            sb.Append("<p style=\"color:#616161\">Before this window (the first ").Append(TraceEvent.Milliseconds(_from))
              .Append(CultureInfo.InvariantCulture, $" ms: {before} events, {earlier.OfType<MessageSent>().Count()} messages, leaders in {leaders} terms): ")
              .Append(E(string.Join("; ", states))).Append("</p>");
        }
        sb.Append("<details><summary>Trace of this window (").Append(shown.Count).Append(" events")
          .Append(before > 0 ? $"; {before} earlier events not shown" : "").Append(")</summary><pre style=\"font-size:11px\">");
        foreach (var e in shown.Take(MaxTraceLines))
        {
            sb.Append(E(e.Line)).Append('\n');
        }
        if (shown.Count > MaxTraceLines)
        {
            sb.Append(CultureInfo.InvariantCulture, $"… and {shown.Count - MaxTraceLines} more events up to {TraceEvent.Milliseconds(_to)} ms\n");
        }
        sb.Append("</pre></details></body></html>");
        return sb.ToString();
    }

    /// <summary>This timeline with a title, for a notebook cell to show as its last expression.</summary>
    public TimelinePicture Picture(string title) => new(this, title);

    /// <summary>The title and the timeline as an HTML fragment, for a notebook cell.</summary>
    public string Fragment(string title) =>
        $"<div><h4 style=\"margin:4px 0\">{E(title)} <small style=\"color:#757575\">seed {_trace.Seed}</small></h4>" +
        $"<div style=\"overflow-x:auto;border:1px solid #e0e0e0\">{Svg()}</div></div>";

    /// <summary>Writes <see cref="Html"/> to <paramref name="path"/>, creating folders, and returns the full path.</summary>
    public string WriteHtml(string path, string title, string? caption = null)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, Html(title, caption));
        return full;
    }

    private static void Legend(StringBuilder sb)
    {
        var items = new (string Colour, string Label, bool Line)[]
        {
            (RoleColour(Role.Follower), "follower", false), (RoleColour(Role.Candidate), "candidate", false),
            (RoleColour(Role.Leader), "leader", false), ("url(#down)", "crashed", false),
            (MessageColour("RequestVote"), "RequestVote", true), (MessageColour("RequestVoteReply"), "vote reply", true),
            (MessageColour("AppendEntries"), "AppendEntries", true), (MessageColour("AppendEntriesReply"), "append reply", true),
            ("#e53935", "lost", true),
        };
        var x = 10.0;
        foreach (var (colour, label, line) in items)
        {
            sb.Append(line
                ? $"<line x1=\"{F(x)}\" y1=\"14\" x2=\"{F(x + 18)}\" y2=\"14\" stroke=\"{colour}\" stroke-width=\"2\"/>"
                : $"<rect x=\"{F(x)}\" y=\"8\" width=\"18\" height=\"12\" fill=\"{colour}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x + 22)}\" y=\"18\">{label}</text>");
            x += 30 + label.Length * 6.2;
        }
        sb.Append(CultureInfo.InvariantCulture, $"<path d=\"M{F(x + 9)} 19 l-5 -9 h10 z\" fill=\"#1b5e20\"/><text x=\"{F(x + 22)}\" y=\"18\">commit</text>");
        x += 30 + 6 * 6.2;
        sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(x + 9)}\" cy=\"14\" r=\"3\" fill=\"#0d47a1\"/><text x=\"{F(x + 22)}\" y=\"18\">apply</text>");
    }

    private void Axis(StringBuilder sb, int height)
    {
        var spanMs = (_to - _from).TotalMilliseconds;
        var step = new[] { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 60000 }
            .FirstOrDefault(s => s * _pxPerMs >= 70, 60000);
        for (var ms = Math.Ceiling(_from.TotalMilliseconds / step) * step; ms <= _from.TotalMilliseconds + spanMs; ms += step)
        {
            var x = X(TimeSpan.FromMilliseconds(ms));
            sb.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{F(x)}\" y1=\"{Top - 16}\" x2=\"{F(x)}\" y2=\"{height - 24}\" stroke=\"#eeeeee\"/>" +
                $"<text x=\"{F(x)}\" y=\"{Top - 20}\" text-anchor=\"middle\" fill=\"#757575\">{ms:0} ms</text>");
        }
    }

    private void Lanes(StringBuilder sb)
    {
        var states = _trace.Events.OfType<NodeStateChanged>().GroupBy(e => e.Node).ToDictionary(g => g.Key, g => g.ToList());
        for (var node = 1; node <= _trace.NodeCount; node++)
        {
            var y = LaneY(node);
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"{F(y + 4)}\" font-weight=\"bold\">n{node}</text>");
            // Segments: a state holds from its event until the next state, crash or the end.
            var marks = _trace.Events
                .Where(e => e is NodeStateChanged s && s.Node == node || e is NodeCrashed c && c.Node == node)
                .ToList();
            NodeStateChanged? previous = null;
            var termLabels = new List<(double X, string Text)>();
            var logLabels = new List<(double X, string Text)>();
            for (var i = 0; i < marks.Count; i++)
            {
                var start = marks[i].At;
                var end = i + 1 < marks.Count ? marks[i + 1].At : _to;
                if (end < _from || start > _to)
                {
                    previous = marks[i] as NodeStateChanged ?? previous;
                    continue;
                }
                var x1 = X(start);
                var w = Math.Max(0.5, X(end) - x1);
                if (marks[i] is NodeCrashed)
                {
                    sb.Append(CultureInfo.InvariantCulture,
                        $"<rect x=\"{F(x1)}\" y=\"{F(y - Band / 2.0)}\" width=\"{F(w)}\" height=\"{Band}\" fill=\"url(#down)\"><title>n{node} crashed at {TraceEvent.Milliseconds(start)} ms</title></rect>");
                    previous = null;
                    continue;
                }
                var s = (NodeStateChanged)marks[i];
                // Several changes at one instant: draw only the last, so labels do not overlap.
                var lastAtThisInstant = i + 1 >= marks.Count || marks[i + 1].At != start;
                sb.Append(CultureInfo.InvariantCulture,
                    $"<rect x=\"{F(x1)}\" y=\"{F(y - Band / 2.0)}\" width=\"{F(w)}\" height=\"{Band}\" fill=\"{RoleColour(s.Role)}\"><title>{E(s.Describe())}</title></rect>");
                if (!lastAtThisInstant)
                {
                    continue;
                }
                if (previous is null || previous.Term != s.Term || previous.Role != s.Role)
                {
                    termLabels.Add((x1 + 2, $"T{s.Term}{(s.Role == Role.Leader ? " leader" : "")}"));
                }
                if (previous is null || previous.LogLength != s.LogLength || previous.CommitIndex != s.CommitIndex || previous.LastApplied != s.LastApplied)
                {
                    logLabels.Add((x1 + 2, s.LastApplied > 0
                        ? $"log {s.LogLength} · commit {s.CommitIndex} · applied {s.LastApplied}"
                        : $"log {s.LogLength} · commit {s.CommitIndex}"));
                }
                // Commit and apply marks: a dark tick on the lane's top edge where commitIndex rises, a blue dot on its
                // bottom edge where entries are applied.
                if (previous is not null && s.CommitIndex > previous.CommitIndex)
                {
                    sb.Append(CultureInfo.InvariantCulture,
                        $"<path d=\"M{F(x1)} {F(y - Band / 2.0 + 6)} l-4 -7 h8 z\" fill=\"#1b5e20\"><title>n{node} commits up to index {s.CommitIndex} at {TraceEvent.Milliseconds(start)} ms</title></path>");
                }
                if (previous is not null && s.LastApplied > previous.LastApplied)
                {
                    sb.Append(CultureInfo.InvariantCulture,
                        $"<circle cx=\"{F(x1)}\" cy=\"{F(y + Band / 2.0 - 3)}\" r=\"2.5\" fill=\"#0d47a1\"><title>n{node} applies up to index {s.LastApplied} at {TraceEvent.Milliseconds(start)} ms</title></circle>");
                }
                previous = s;
            }
            Labels(sb, termLabels, y - Band / 2.0 - 3, "#37474f", 11);
            Labels(sb, logLabels, y + Band / 2.0 + 11, "#546e7a", 10);
        }
    }

    /// <summary>
    /// Writes a lane's labels, dropping any that would run into the next one: where changes come fast, the
    /// later state is the one shown (every segment's tooltip still has the full state).
    /// </summary>
    private static void Labels(StringBuilder sb, List<(double X, string Text)> labels, double y, string colour, int size)
    {
        var nextX = double.MaxValue;
        var kept = new List<(double X, string Text)>();
        for (var i = labels.Count - 1; i >= 0; i--)
        {
            var width = labels[i].Text.Length * size * 0.55;
            if (labels[i].X + width <= nextX)
            {
                kept.Add(labels[i]);
                nextX = labels[i].X - 4;
            }
        }
        foreach (var (x, text) in kept)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{F(x)}\" y=\"{F(y)}\" fill=\"{colour}\" font-size=\"{size}\">{E(text)}</text>");
        }
    }

    private void Messages(StringBuilder sb)
    {
        var sent = new Dictionary<long, MessageSent>();
        var drawn = 0;
        foreach (var e in _trace.Events)
        {
            if (drawn > 3000)
            {
                break; // keep the picture readable and small; narrow the window to see more
            }
            switch (e)
            {
                case MessageSent m:
                    sent[m.Id] = m;
                    break;
                case MessageDelivered d when sent.TryGetValue(d.Id, out var m) && d.At >= _from && m.At <= _to:
                    Arrow(sb, m, d.At, lost: false, reason: null);
                    drawn++;
                    break;
                case MessageDropped d when sent.TryGetValue(d.Id, out var m) && d.At >= _from && m.At <= _to:
                    Arrow(sb, m, d.At, lost: true, reason: d.Reason);
                    drawn++;
                    break;
                case MessageDropped d when d.At >= _from && d.At <= _to:
                    // Dropped at the send itself (the message never left).
                    break;
            }
        }
    }

    private void Arrow(StringBuilder sb, MessageSent m, TimeSpan end, bool lost, string? reason)
    {
        var x1 = X(m.At);
        var y1 = LaneY(m.From) + (m.To > m.From ? Band / 2.0 : -Band / 2.0);
        var x2 = X(end);
        var y2 = LaneY(m.To) + (m.To > m.From ? -Band / 2.0 : Band / 2.0);
        if (lost)
        {
            // A lost message stops partway, at a red cross.
            var f = end == m.At ? 0.35 : 0.6;
            x2 = x1 + (Math.Max(x2, x1 + 8) - x1) * f;
            y2 = y1 + (y2 - y1) * f;
        }
        var colour = lost ? "#e53935" : MessageColour(m.Kind);
        // An AppendEntries that carries entries is drawn thicker than a heartbeat.
        var text = m.Message.ToString()!;
        var heavy = text.Contains("Entries = [", StringComparison.Ordinal) && !text.Contains("Entries = []", StringComparison.Ordinal) ? 2 : 1;
        var title = E($"#{m.Id} n{m.From}→n{m.To} at {TraceEvent.Milliseconds(m.At)} ms: {m.Message}" + (lost ? $" — lost ({reason})" : ""));
        sb.Append(
            $"<line x1=\"{F(x1)}\" y1=\"{F(y1)}\" x2=\"{F(x2)}\" y2=\"{F(y2)}\" stroke=\"{colour}\" stroke-width=\"{heavy}\"" +
            (lost ? "" : " marker-end=\"url(#arrow)\"") + (m.Kind.EndsWith("Reply", StringComparison.Ordinal) ? " stroke-dasharray=\"3 2\"" : "") +
            $"><title>{title}</title></line>");
        if (lost)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{F(x2)}\" y=\"{F(y2 + 4)}\" text-anchor=\"middle\" fill=\"#e53935\" font-weight=\"bold\">×<title>{title}</title></text>");
        }
    }

    private void Markers(StringBuilder sb, int height)
    {
        var row = 0;
        foreach (var e in _trace.Events)
        {
            if (e.At < _from || e.At > _to)
            {
                continue;
            }
            var (text, colour) = e switch
            {
                NetworkChanged n => (n.Description, "#6a1b9a"),
                Remark r => (r.Text, "#0277bd"),
                RunFailed f => ($"{f.Rule}: {f.Sentence}", "#c62828"),
                NodeCrashed c => ($"crash n{c.Node}", "#212121"),
                NodeRestarted r => ($"restart n{r.Node}", "#212121"),
                _ => (null, null),
            };
            if (text is null)
            {
                continue;
            }
            var x = X(e.At);
            var short_ = text.Length > 60 ? text[..57] + "..." : text;
            sb.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{F(x)}\" y1=\"{Top - 12}\" x2=\"{F(x)}\" y2=\"{height - 20}\" stroke=\"{colour}\" stroke-dasharray=\"4 3\"/>" +
                $"<text x=\"{F(x + 3)}\" y=\"{height - 20 + 12 * (row % 2) - 2}\" fill=\"{colour}\">{E(short_)}<title>{E(text)}</title></text>");
            row++;
        }
    }

    private static string RoleColour(Role role) => role switch
    {
        Role.Leader => "#66bb6a",
        Role.Candidate => "#ffb74d",
        _ => "#cfd8dc",
    };

    private static string MessageColour(string kind) => kind switch
    {
        "RequestVote" => "#1e88e5",
        "RequestVoteReply" => "#64b5f6",
        "AppendEntries" => "#2e7d32",
        "AppendEntriesReply" => "#81c784",
        _ => "#8e24aa",
    };
}
