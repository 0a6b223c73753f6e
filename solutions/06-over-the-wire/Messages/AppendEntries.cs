// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
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
public sealed record AppendEntries(
    long Term,
    int LeaderId,
    long PrevLogIndex,
    long PrevLogTerm,
    IReadOnlyList<LogEntry> Entries,
    long LeaderCommit) : IMessage
{
    // A record prints a list as its type name; print the entries themselves, as term:command.
    public override string ToString() =>
        $"AppendEntries {{ Term = {Term}, LeaderId = {LeaderId}, PrevLogIndex = {PrevLogIndex}, PrevLogTerm = {PrevLogTerm}, " +
        $"Entries = [{string.Join(", ", Entries.Select(e => $"{e.Term}:{e.Command}"))}], LeaderCommit = {LeaderCommit} }}";
}
