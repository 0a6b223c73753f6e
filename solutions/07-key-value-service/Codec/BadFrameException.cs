// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
namespace Raft;

/// <summary>
/// What arrived on a connection is not a frame this node can read: garbage, a frame longer than the limit, a frame cut
/// off by the connection closing, or a payload that is not a message it knows. The node closes that one connection and
/// logs why; the others are not affected, and Raft treats whatever was lost as a lost message (§5.1).
/// </summary>
public sealed class BadFrameException(string message, Exception? innerException = null) : Exception(message, innerException);
