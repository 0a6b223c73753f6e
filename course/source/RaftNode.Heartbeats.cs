namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>
    /// The walkthrough's heartbeat coroutine: while this node is leader, tell every follower so each
    /// <see cref="RaftOptions.HeartbeatInterval"/>, which keeps their election timers from running out (§5.2).
    /// </summary>
    private async Task RunHeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        //@todo 01 HeartbeatLoop: The walkthrough's heartbeat coroutine: for as long as the node runs, a leader sends heartbeats once every HeartbeatInterval (§5.2). It waits on the node's clock (_context.Time) and stops with the token, so the simulator can drive it and end it.
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
        //@todo 01 SendHeartbeats: A leader tells every other server it is alive with an AppendEntries that carries no entries (§5.2). Every field must be true: its term and id, prevLogIndex and prevLogTerm naming its last entry (chapter 3's followers check them, even on a heartbeat), and its commitIndex.
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
