namespace Raft.Simulation;

/// <summary>
/// A timeline to show in a notebook: the value of a cell's last expression, drawn as HTML by the notebook kernel.
/// <code>new Timeline(cluster.Trace).Picture("Five nodes elect a leader")</code>
/// </summary>
[TypeFormatterSource(typeof(NotebookFormatters))]
public sealed record TimelinePicture(Timeline Timeline, string Title)
{
    public override string ToString() => Title;
}

/// <summary>
/// .NET Interactive finds formatters by convention: an attribute of this name on a type, naming a class whose
/// CreateTypeFormatters returns objects with a MimeType and a Format(object, TextWriter). So the simulator shows its
/// pictures in notebooks without referencing .NET Interactive, and a cell never calls HTML(...), which in Jupyter
/// prints a CS1701 warning about Microsoft.AspNetCore.Html.Abstractions on .NET 10.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    public Type FormatterSourceType { get; } = formatterSourceType;

    public string[] PreferredMimeTypes { get; set; } = ["text/html"];
}

internal sealed class NotebookFormatters
{
    public IEnumerable<object> CreateTypeFormatters() => [new TimelineHtml()];

    private sealed class TimelineHtml
    {
        public string MimeType => "text/html";

        public bool Format(object instance, TextWriter writer)
        {
            if (instance is not TimelinePicture picture)
            {
                return false;
            }
            writer.Write(picture.Timeline.Fragment(picture.Title));
            return true;
        }
    }
}
