//@since 07
using System.Text.Json.Serialization;

//@end
namespace Raft;

/// <summary>The answer to an <see cref="AppendEntries"/> (Figure 2).</summary>
/// <param name="Term">currentTerm, for leader to update itself.</param>
/// <param name="Success">True if follower contained entry matching prevLogIndex and prevLogTerm.</param>
//@since 03
/// <param name="MatchIndex">On success, the index of the last entry the request covered (prevLogIndex + entries):
/// what the leader may record as matched. Not the follower's log length, which may hold older entries beyond it.</param>
/// <param name="ConflictIndex">On failure, where the leader should try next: the first index of the conflicting
/// term, or one past the follower's last entry (the fast backup at the end of §5.3).</param>
/// <param name="ConflictTerm">On failure, the term of the follower's entry at prevLogIndex, or 0 if it has none.</param>
//@end
//@since 07
/// <param name="Round">The read round of the request this answers (<see cref="AppendEntries.Round"/>), 0 for none.</param>
//@end
public sealed record AppendEntriesReply(
    long Term,
    //@before 03
    //~ bool Success) : IMessage;
    //@end
    //@since 03
    bool Success,
    long MatchIndex = 0,
    long ConflictIndex = 0,
    //@before 07
    //~ long ConflictTerm = 0) : IMessage;
    //@end
    //@since 07
    long ConflictTerm = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] long Round = 0) : IMessage;
    //@end
    //@end
