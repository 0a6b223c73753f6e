namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>
    /// The walkthrough's heartbeat coroutine: while this node is leader, tell every follower so each
    /// <see cref="RaftOptions.HeartbeatInterval"/>, which keeps their election timers from running out (§5.2).
    /// </summary>
    private async Task RunHeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        //@todo 01 HeartbeatLoop: Until cancellationToken is cancelled: if this node is the leader, call SendHeartbeats(); then wait one heartbeat interval on the node's clock with await Task.Delay(Options.HeartbeatInterval, _context.Time, cancellationToken). The clock and the token are what let the simulator run and stop the loop.
        while (!cancellationToken.IsCancellationRequested)
        {
            if (Role == Role.Leader)
            {
                SendHeartbeats();
            }
            await Task.Delay(Options.HeartbeatInterval, _context.Time, cancellationToken);
        }
        //@end
    }

    //@before 03
    //~ /// <summary>Sends every peer an AppendEntries with no entries (§5.2).</summary>
    //@end
    //@since 03
    /// <summary>
    /// Sends every peer an AppendEntries from its nextIndex (§5.2, §5.3): a heartbeat for a follower that is
    /// up to date, the missing entries for one that is not. It also retries whatever was lost since the last.
    /// </summary>
    //@end
    public void SendHeartbeats()
    {
        //@before 03
        //@todo 01 SendHeartbeats: Send each peer an AppendEntries carrying this node's CurrentTerm and Id, PrevLogIndex = LastLogIndex() and PrevLogTerm = LastLogTerm(), no entries, and LeaderCommit = CommitIndex. A follower checks prevLogIndex/prevLogTerm even on a heartbeat (chapter 3).
        //~ var heartbeat = new AppendEntries(CurrentTerm, Id, LastLogIndex(), LastLogTerm(), [], CommitIndex);
        //~ foreach (var peer in Peers)
        //~ {
        //~     Send(peer, heartbeat);
        //~ }
        //@end
        //@end
        //@since 03
        foreach (var peer in Peers)
        {
            // Even with entries in flight: the tick is also the retry for whatever was lost.
            SendAppendEntries(peer);
        }
        //@end
    }
}
