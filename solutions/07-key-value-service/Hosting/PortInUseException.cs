// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
namespace Raft;

/// <summary>A node could not listen on its address because something else already does.</summary>
public sealed class PortInUseException(NodeAddress address, Exception innerException)
    : IOException($"Node {address.Id} cannot listen on {address}: the port is already in use. Is another node, or an earlier run " +
                  "that has not exited, still running there? Stop it, or give this node another port.", innerException)
{
    public NodeAddress Address { get; } = address;
}
