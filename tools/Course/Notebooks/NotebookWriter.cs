using System.Globalization;
using System.Text;

namespace Course.Notebooks;

/// <summary>
/// Writes a notebook as Jupyter's <c>.ipynb</c> (nbformat 4.5) with the .NET (C#) kernel's metadata, laid out the
/// way Jupyter itself writes JSON (one-space indents, non-ASCII kept as is), so the committed files stay readable
/// and diffs stay small.
/// </summary>
public static class NotebookWriter
{
    /// <summary>A JSON object whose keys keep the order they were added in.</summary>
    private sealed class Obj : List<(string Key, object? Value)>
    {
        public Obj With(string key, object? value)
        {
            Add((key, value));
            return this;
        }
    }

    private static Obj KernelMetadata() => new Obj()
        .With("kernelspec", new Obj().With("display_name", ".NET (C#)").With("language", "C#").With("name", ".net-csharp"))
        .With("language_info", new Obj().With("file_extension", ".cs").With("mimetype", "text/x-csharp").With("name", "C#")
            .With("pygments_lexer", "csharp").With("version", "13.0"))
        .With("polyglot_notebook", new Obj().With("kernelInfo", new Obj().With("defaultKernelName", "csharp")
            .With("items", new List<object?> { new Obj().With("aliases", new List<object?>()).With("name", "csharp") })));

    /// <summary>The notebook's JSON, its cells' text already expanded (macros filled in).</summary>
    public static string Write(string nn, IReadOnlyList<(bool Code, string Text, string? Expect)> cells)
    {
        var list = new List<object?>();
        for (var i = 0; i < cells.Count; i++)
        {
            var (code, text, expect) = cells[i];
            var source = Lines(text);
            var id = $"{nn}-{i:00}";
            if (code)
            {
                var meta = new Obj().With("dotnet_interactive", new Obj().With("language", "csharp"))
                    .With("polyglot_notebook", new Obj().With("kernelName", "csharp"));
                if (expect is not null)
                {
                    meta.With("raft_expect", expect);
                }
                list.Add(new Obj().With("cell_type", "code").With("execution_count", null).With("metadata", meta)
                    .With("outputs", new List<object?>()).With("source", source).With("id", id));
            }
            else
            {
                list.Add(new Obj().With("cell_type", "markdown").With("metadata", new Obj()).With("source", source).With("id", id));
            }
        }
        var notebook = new Obj().With("cells", list).With("metadata", KernelMetadata()).With("nbformat", 4).With("nbformat_minor", 5);
        var sb = new StringBuilder();
        Value(sb, notebook, 0);
        return sb.Append('\n').ToString();
    }

    /// <summary>A cell's source as Jupyter keeps it: a list of lines, each with its line break but the last.</summary>
    private static List<object?> Lines(string text)
    {
        var lines = text.Split('\n');
        return [.. lines.Select((l, i) => (object?)(i < lines.Length - 1 ? l + "\n" : l)).Where(l => ((string)l!).Length > 0)];
    }

    private static void Value(StringBuilder sb, object? value, int depth)
    {
        switch (value)
        {
            case null:
                sb.Append("null");
                break;
            case string s:
                String(sb, s);
                break;
            case int i:
                sb.Append(i.ToString(CultureInfo.InvariantCulture));
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case Obj o when o.Count == 0:
                sb.Append("{}");
                break;
            case Obj o:
                sb.Append("{\n");
                for (var k = 0; k < o.Count; k++)
                {
                    sb.Append(' ', depth + 1);
                    String(sb, o[k].Key);
                    sb.Append(": ");
                    Value(sb, o[k].Value, depth + 1);
                    sb.Append(k < o.Count - 1 ? ",\n" : "\n");
                }
                sb.Append(' ', depth).Append('}');
                break;
            case List<object?> l when l.Count == 0:
                sb.Append("[]");
                break;
            case List<object?> l:
                sb.Append("[\n");
                for (var k = 0; k < l.Count; k++)
                {
                    sb.Append(' ', depth + 1);
                    Value(sb, l[k], depth + 1);
                    sb.Append(k < l.Count - 1 ? ",\n" : "\n");
                }
                sb.Append(' ', depth).Append(']');
                break;
            default:
                throw new ArgumentException($"A notebook holds no {value.GetType().Name}.", nameof(value));
        }
    }

    private static void String(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case < ' ': sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }
        sb.Append('"');
    }
}
