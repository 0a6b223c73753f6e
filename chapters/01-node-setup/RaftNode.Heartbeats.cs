namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>
    /// The walkthrough's heartbeat coroutine: while this node is leader, tell every follower so each
    /// <see cref="RaftOptions.HeartbeatInterval"/>, which keeps their election timers from running out (§5.2).
    /// </summary>
    private async Task RunHeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        // TODO(ch01): HeartbeatLoop: Until cancellationToken is cancelled: if this node is the leader, call SendHeartbeats(); then wait one heartbeat interval on the node's clock with await Task.Delay(Options.HeartbeatInterval, _context.Time, cancellationToken). The clock and the token are what let the simulator run and stop the loop.
        throw new NotImplementedException("TODO(ch01) HeartbeatLoop: Until cancellationToken is cancelled: if this node is the leader, call SendHeartbeats(); then wait one heartbeat interval on the node's clock with await Task.Delay(Options.HeartbeatInterval, _context.Time, cancellationToken). The clock and the token are what let the simulator run and stop the loop.");
    }

    /// <summary>Sends every peer an AppendEntries with no entries (§5.2).</summary>
    public void SendHeartbeats()
    {
        // TODO(ch01): SendHeartbeats: Send each peer an AppendEntries carrying this node's CurrentTerm and Id, PrevLogIndex = LastLogIndex() and PrevLogTerm = LastLogTerm(), no entries, and LeaderCommit = CommitIndex. A follower checks prevLogIndex/prevLogTerm even on a heartbeat (chapter 3).
        throw new NotImplementedException("TODO(ch01) SendHeartbeats: Send each peer an AppendEntries carrying this node's CurrentTerm and Id, PrevLogIndex = LastLogIndex() and PrevLogTerm = LastLogTerm(), no entries, and LeaderCommit = CommitIndex. A follower checks prevLogIndex/prevLogTerm even on a heartbeat (chapter 3).");
    }
}
