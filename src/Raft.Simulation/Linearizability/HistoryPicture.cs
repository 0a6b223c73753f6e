using System.Globalization;
using System.Net;
using System.Text;

namespace Raft.Simulation.Linearizability;

/// <summary>
/// Draws a key's history: one lane per client, each operation a bar from its invocation to its completion (blue when
/// ok, grey and dashed when failed, fading out to the right edge when unknown, since it may take effect arbitrarily
/// late), labelled "put x=1", "append x+=b", "get x→1". The operations of the minimal failing history are outlined in red
/// and a red line marks where the search got stuck. Hover over a bar to read the operation.
/// </summary>
/// <remarks>
/// The time axis is ordinal: each distinct invocation or completion time gets one slot, in order. What decides
/// linearizability is only which operation finished before which began, and with real time a burst of short operations
/// would be a smudge next to one long one. The axis still labels the real times.
/// </remarks>
public static class HistoryPicture
{
    private const int Left = 60;
    private const int Top = 68;
    private const int RowHeight = 30;
    private const int BarHeight = 12;
    private const int LanePadding = 10;
    private const double CharWidth = 6.1;

    // A key with more operations than this is drawn around its minimal failing history (or its start), so the page stays
    // small and the interesting part is on screen.
    private const int MaxDrawn = 300;

    private const string Ok = "#64b5f6";
    private const string OkEdge = "#1e88e5";
    private const string FailedFill = "#eeeeee";
    private const string FailedEdge = "#9e9e9e";
    private const string Unknown = "#ffa726";
    private const string Highlight = "#c62828";

    /// <summary>A self-contained HTML page for one key: its verdict, the explanation and the picture.</summary>
    public static string Html(KeyVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        return Page($"key {verdict.Key}: {Headline(verdict)}", Fragment(verdict));
    }

    /// <summary>
    /// Writes a page for a whole check to <paramref name="path"/> (creating folders): the summary, then a picture of each
    /// key that failed or was undecided, or of every key (the first 20) when all passed.
    /// </summary>
    public static void WriteHtml(string path, CheckResult result)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(result);
        var drawn = result.Keys.Where(k => !k.Linearizable).ToList();
        if (drawn.Count == 0)
        {
            drawn = [.. result.Keys.Take(20)];
        }
        var body = new StringBuilder();
        body.Append("<pre style=\"white-space:pre-wrap\">").Append(E(result.Summary())).Append("</pre>");
        foreach (var verdict in drawn)
        {
            body.Append(Fragment(verdict));
        }
        var passed = result.Keys.Where(k => k.Linearizable).Except(drawn).Select(k => k.Key).ToList();
        if (passed.Count > 0)
        {
            body.Append("<p style=\"color:#616161\">Also linearizable: ").Append(E(string.Join(", ", passed))).Append("</p>");
        }
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, Page(result.Linearizable ? "Linearizable" : "Not linearizable", body.ToString()));
    }

    /// <summary>One key's title, explanation, picture and operation list, as an HTML fragment (for a notebook cell).</summary>
    public static string Fragment(KeyVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var colour = verdict.Linearizable ? "#2e7d32" : verdict.GaveUp ? "#ef6c00" : Highlight;
        var sb = new StringBuilder();
        sb.Append("<div style=\"margin:12px 0\"><h3 style=\"margin:4px 0\">key ").Append(E(verdict.Key))
          .Append(": <span style=\"color:").Append(colour).Append("\">").Append(E(Headline(verdict))).Append("</span></h3>")
          .Append("<pre style=\"white-space:pre-wrap;font-size:12px\">").Append(E(verdict.Explanation)).Append("</pre>")
          .Append("<div style=\"overflow-x:auto;border:1px solid #e0e0e0\">").Append(Svg(verdict)).Append("</div>")
          .Append(CultureInfo.InvariantCulture, $"<details><summary>All {verdict.Operations.Count} operations on this key</summary><pre style=\"font-size:11px\">");
        foreach (var op in verdict.Operations.OrderBy(o => o.Invoke))
        {
            sb.Append(E(op.ToString())).Append('\n');
        }
        sb.Append("</pre></details></div>");
        return sb.ToString();
    }

    /// <summary>The picture alone, as an SVG element.</summary>
    public static string Svg(KeyVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var (ops, note) = Window(verdict);
        var minimal = new HashSet<Operation>(verdict.Minimal ?? [], ReferenceEqualityComparer.Instance);
        Dictionary<Operation, int>? place = null;
        if (verdict.Order is { } order)
        {
            place = new Dictionary<Operation, int>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < order.Count; i++)
            {
                place[order[i]] = i + 1;
            }
        }
        var stuck = verdict.StuckAt;

        // The ordinal axis: one slot per distinct known time; unknown ends run past the last slot to the right edge.
        var times = ops.SelectMany(o => Finite(o) ? new[] { o.Invoke, o.Complete } : [o.Invoke]).Distinct().Order().ToList();
        if (stuck is not null && !times.Contains(stuck.At) && stuck.At != Operation.Never)
        {
            times.Add(stuck.At);
            times.Sort();
        }
        var rank = times.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i);
        var slot = Math.Clamp(1100.0 / Math.Max(1, times.Count), 14, 70);
        double X(long t) => Left + 20 + rank[t] * slot;
        var rightEdge = Left + 20 + Math.Max(0, times.Count - 1) * slot + Math.Max(120, 2 * slot);

        // Each client's lane has as many rows as its operations need to not overlap, labels included (an unknown
        // operation stays open to the right edge while the client goes on).
        var lanes = new List<(int Client, double Y, int Rows)>();
        var row = new Dictionary<Operation, (double Y, double X1, double X2)>(ReferenceEqualityComparer.Instance);
        var y = (double)Top;
        foreach (var client in ops.Select(o => o.Client).Distinct().Order())
        {
            var ends = new List<double>();
            foreach (var op in ops.Where(o => o.Client == client).OrderBy(o => o.Invoke))
            {
                var x1 = X(op.Invoke);
                var x2 = Finite(op) ? X(op.Complete) : rightEdge;
                var extent = Math.Max(x2, x1 + (op.Label.Length + 5) * CharWidth) + 6;
                var r = ends.FindIndex(end => end <= x1);
                if (r < 0)
                {
                    r = ends.Count;
                    ends.Add(0);
                }
                ends[r] = extent;
                row[op] = (y + LanePadding + r * RowHeight, x1, x2);
            }
            lanes.Add((client, y, Math.Max(1, ends.Count)));
            y += Math.Max(1, ends.Count) * RowHeight + 2 * LanePadding;
        }
        var height = y + 40;
        var width = Math.Max(rightEdge, X(times.Count == 0 ? 0 : times[^1])) + 40;
        if (times.Count == 0)
        {
            width = 400;
        }

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{F(width)}\" height=\"{F(height)}\" font-family=\"sans-serif\" font-size=\"11\">");
        sb.Append("<defs><linearGradient id=\"fade\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">")
          .Append(CultureInfo.InvariantCulture, $"<stop offset=\"0\" stop-color=\"{Unknown}\" stop-opacity=\"0.9\"/>")
          .Append(CultureInfo.InvariantCulture, $"<stop offset=\"1\" stop-color=\"{Unknown}\" stop-opacity=\"0.05\"/></linearGradient></defs>");
        sb.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        if (note is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"38\" fill=\"#757575\">{E(note)}</text>");
        }
        Legend(sb, failing: verdict.Minimal is not null || stuck is not null, ordered: place is not null);

        // Axis: real times at slots at least ~90 px apart.
        var every = Math.Max(1, (int)Math.Ceiling(90 / slot));
        for (var i = 0; i < times.Count; i += every)
        {
            var x = X(times[i]);
            sb.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{F(x)}\" y1=\"{Top - 8}\" x2=\"{F(x)}\" y2=\"{F(height - 30)}\" stroke=\"#f0f0f0\"/>" +
                $"<text x=\"{F(x)}\" y=\"{Top - 12}\" text-anchor=\"middle\" fill=\"#9e9e9e\" font-size=\"10\">{times[i]}</text>");
        }

        foreach (var (client, laneY, rows) in lanes)
        {
            var laneHeight = rows * RowHeight + 2 * LanePadding;
            sb.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"0\" y1=\"{F(laneY + laneHeight)}\" x2=\"{F(width)}\" y2=\"{F(laneY + laneHeight)}\" stroke=\"#e0e0e0\"/>" +
                $"<text x=\"10\" y=\"{F(laneY + laneHeight / 2.0 + 4)}\" font-weight=\"bold\">c{client}</text>");
        }

        foreach (var op in ops)
        {
            var (top, x1, x2) = row[op];
            var barY = top + RowHeight - BarHeight - 4;
            var w = Math.Max(3, x2 - x1);
            var (fill, edge, dash, text) = op.Outcome switch
            {
                Outcome.Ok => (Ok, OkEdge, "", "#0d47a1"),
                Outcome.Failed => (FailedFill, FailedEdge, " stroke-dasharray=\"3 2\"", "#9e9e9e"),
                _ => ("url(#fade)", Unknown, " stroke-dasharray=\"6 3\"", "#e65100"),
            };
            var marked = minimal.Contains(op);
            if (marked)
            {
                edge = Highlight;
            }
            var title = op.ToString();
            var number = "";
            if (place is not null && place.TryGetValue(op, out var n))
            {
                title += string.Create(CultureInfo.InvariantCulture, $" (placed #{n} in the order found)");
                number = string.Create(CultureInfo.InvariantCulture, $"<tspan dx=\"4\" fill=\"#2e7d32\" font-weight=\"bold\">#{n}</tspan>");
            }
            else if (place is not null && op.Outcome == Outcome.Unknown)
            {
                title += " (need not have taken effect)";
            }
            if (marked)
            {
                title += " (in the minimal failing history)";
            }
            sb.Append(CultureInfo.InvariantCulture,
                $"<g class=\"op{(marked ? " minimal" : "")}\"><title>{E(title)}</title>" +
                $"<rect x=\"{F(x1)}\" y=\"{F(barY)}\" width=\"{F(w)}\" height=\"{BarHeight}\" rx=\"2\" fill=\"{fill}\" stroke=\"{edge}\" stroke-width=\"{(marked ? 2.5 : 1)}\"{dash}/>" +
                $"<text x=\"{F(x1 + 1)}\" y=\"{F(barY - 3)}\" fill=\"{(marked ? Highlight : text)}\"{(marked ? " font-weight=\"bold\"" : "")}>{E(op.Label)}{number}</text></g>");
        }

        if (stuck is not null && rank.ContainsKey(stuck.At))
        {
            var x = X(stuck.At);
            var caption = (stuck.Prefix.Count == 0 ? $"stuck here: at the start {verdict.Key} is missing, " : $"stuck here: after {Operations(stuck.Prefix.Count)} {verdict.Key} is {KeyValueModel.Describe(stuck.State)}, ") +
                          $"but {stuck.MustCome.Label} (c{stuck.MustCome.Client}) must come next";
            sb.Append(CultureInfo.InvariantCulture,
                $"<g class=\"stuck\"><title>{E(caption)}</title>" +
                $"<line x1=\"{F(x)}\" y1=\"{Top - 4}\" x2=\"{F(x)}\" y2=\"{F(height - 26)}\" stroke=\"{Highlight}\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>" +
                $"<text x=\"{F(Math.Max(4, x - 4))}\" y=\"{F(height - 12)}\" fill=\"{Highlight}\" text-anchor=\"{(x > width / 2 ? "end" : "start")}\">{E(caption)}</text></g>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    private static string Operations(int n) => n == 1 ? "1 operation" : string.Create(CultureInfo.InvariantCulture, $"{n} operations");

    private static bool Finite(Operation op) => op.Outcome != Outcome.Unknown && op.Complete != Operation.Never;

    /// <summary>The operations to draw: all of them, or for a long history the stretch around what matters.</summary>
    private static (List<Operation> Ops, string? Note) Window(KeyVerdict verdict)
    {
        var all = verdict.Operations.OrderBy(o => o.Invoke).ToList();
        if (all.Count <= MaxDrawn)
        {
            return (all, null);
        }
        var focus = verdict.Minimal is { Count: > 0 } minimal ? minimal.ToList() : all.Take(MaxDrawn).ToList();
        var from = focus.Min(o => o.Invoke);
        var to = Math.Max(focus.Where(Finite).Select(o => o.Complete).DefaultIfEmpty(from).Max(), verdict.StuckAt?.At is { } at && at != Operation.Never ? at : from);
        // Everything overlapping the focus, then as much as fits, nearest first.
        var shown = all.Where(o => o.Invoke <= to && (!Finite(o) || o.Complete >= from))
            .OrderBy(o => focus.Contains(o) ? 0 : 1).ThenBy(o => Math.Abs(o.Invoke - from)).Take(MaxDrawn)
            .Concat(focus).Distinct(ReferenceEqualityComparer.Instance).Cast<Operation>().OrderBy(o => o.Invoke).ToList();
        return (shown, string.Create(CultureInfo.InvariantCulture, $"showing {shown.Count} of {all.Count} operations, around {(verdict.Minimal is { Count: > 0 } ? "the minimal failing history" : "the start")}"));
    }

    private static void Legend(StringBuilder sb, bool failing, bool ordered)
    {
        var x = 10.0;
        void Item(string shape, string label)
        {
            sb.Append(shape.Replace("{x}", F(x), StringComparison.Ordinal))
              .Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x + 24)}\" y=\"18\">{E(label)}</text>");
            x += 36 + label.Length * CharWidth;
        }
        Item($"<rect x=\"{{x}}\" y=\"9\" width=\"20\" height=\"10\" fill=\"{Ok}\" stroke=\"{OkEdge}\"/>", "ok");
        Item($"<rect x=\"{{x}}\" y=\"9\" width=\"20\" height=\"10\" fill=\"{FailedFill}\" stroke=\"{FailedEdge}\" stroke-dasharray=\"3 2\"/>", "failed (did not happen)");
        Item($"<rect x=\"{{x}}\" y=\"9\" width=\"20\" height=\"10\" fill=\"url(#fade)\" stroke=\"{Unknown}\" stroke-dasharray=\"6 3\"/>", "unknown (any time later, or never)");
        if (ordered)
        {
            Item("<text x=\"{x}\" y=\"18\" fill=\"#2e7d32\" font-weight=\"bold\">#n</text>", "place in the order found");
        }
        if (!failing)
        {
            return;
        }
        Item($"<rect x=\"{{x}}\" y=\"9\" width=\"20\" height=\"10\" fill=\"white\" stroke=\"{Highlight}\" stroke-width=\"2.5\"/>", "minimal failing history");
        Item($"<line x1=\"{{x}}\" y1=\"6\" x2=\"{{x}}\" y2=\"22\" transform=\"translate(10 0)\" stroke=\"{Highlight}\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>", "where the search got stuck");
    }

    private static string Headline(KeyVerdict verdict) =>
        verdict.Linearizable ? "linearizable" : verdict.GaveUp ? "undecided (the checker gave up)" : "NOT linearizable";

    private static string Page(string title, string body) =>
        $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{E(title)}</title></head><body style=\"font-family:sans-serif;margin:16px\">" +
        $"<h2>{E(title)}</h2>{body}</body></html>";

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
