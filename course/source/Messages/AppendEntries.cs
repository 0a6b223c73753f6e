//@since 07
using System.Text.Json.Serialization;

//@end
namespace Raft;

/// <summary>
/// AppendEntries RPC (Figure 2): invoked by leader to replicate log entries (§5.3); also used as
/// heartbeat (§5.2), with no entries.
/// </summary>
/// <param name="Term">Leader's term.</param>
/// <param name="LeaderId">So follower can redirect clients.</param>
/// <param name="PrevLogIndex">Index of log entry immediately preceding new ones.</param>
/// <param name="PrevLogTerm">Term of <paramref name="PrevLogIndex"/> entry.</param>
/// <param name="Entries">Log entries to store (empty for heartbeat).</param>
/// <param name="LeaderCommit">Leader's commitIndex.</param>
//@since 07
/// <param name="Round">
/// Not in Figure 2: the leader's read round this request belongs to (0 for none). A follower's reply echoes it, so
/// the leader knows a majority still followed it after a read began (ReadIndex, Ongaro's thesis §6.4).
/// </param>
//@end
public sealed record AppendEntries(
    long Term,
    int LeaderId,
    long PrevLogIndex,
    long PrevLogTerm,
    IReadOnlyList<LogEntry> Entries,
    //@before 07
    //~ long LeaderCommit) : IMessage
    //@end
    //@since 07
    long LeaderCommit,
    // Left out of the JSON when 0, so a request without a read round looks on the wire as it did before chapter 7.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] long Round = 0) : IMessage
    //@end
{
    // A record prints a list as its type name; print the entries themselves, as term:command.
    public override string ToString() =>
        $"AppendEntries {{ Term = {Term}, LeaderId = {LeaderId}, PrevLogIndex = {PrevLogIndex}, PrevLogTerm = {PrevLogTerm}, " +
        //@before 07
        //~ $"Entries = [{string.Join(", ", Entries.Select(e => $"{e.Term}:{e.Command}"))}], LeaderCommit = {LeaderCommit} }}";
        //@end
        //@since 07
        $"Entries = [{string.Join(", ", Entries.Select(e => $"{e.Term}:{e.Command}"))}], LeaderCommit = {LeaderCommit}" +
        (Round > 0 ? $", Round = {Round} }}" : " }");
        //@end
}
