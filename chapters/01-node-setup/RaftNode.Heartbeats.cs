namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>
    /// The walkthrough's heartbeat coroutine: while this node is leader, tell every follower so each
    /// <see cref="RaftOptions.HeartbeatInterval"/>, which keeps their election timers from running out (§5.2).
    /// </summary>
    private async Task RunHeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        // TODO(ch01): HeartbeatLoop: The walkthrough's heartbeat coroutine: for as long as the node runs, a leader sends heartbeats once every HeartbeatInterval (§5.2). It waits on the node's clock (_context.Time) and stops with the token, so the simulator can drive it and end it.
        throw new NotImplementedException("TODO(ch01) HeartbeatLoop: The walkthrough's heartbeat coroutine: for as long as the node runs, a leader sends heartbeats once every HeartbeatInterval (§5.2). It waits on the node's clock (_context.Time) and stops with the token, so the simulator can drive it and end it.");
    }

    /// <summary>Sends every peer an AppendEntries with no entries (§5.2).</summary>
    public void SendHeartbeats()
    {
        // TODO(ch01): SendHeartbeats: A leader tells every other server it is alive with an AppendEntries that carries no entries (§5.2). Every field must be true: its term and id, prevLogIndex and prevLogTerm naming its last entry (chapter 3's followers check them, even on a heartbeat), and its commitIndex.
        throw new NotImplementedException("TODO(ch01) SendHeartbeats: A leader tells every other server it is alive with an AppendEntries that carries no entries (§5.2). Every field must be true: its term and id, prevLogIndex and prevLogTerm naming its last entry (chapter 3's followers check them, even on a heartbeat), and its commitIndex.");
    }
}
