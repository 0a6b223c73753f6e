// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
namespace Raft;

/// <summary>The answer to an <see cref="AppendEntries"/> (Figure 2).</summary>
/// <param name="Term">currentTerm, for leader to update itself.</param>
/// <param name="Success">True if follower contained entry matching prevLogIndex and prevLogTerm.</param>
public sealed record AppendEntriesReply(
    long Term,
    bool Success) : IMessage;
