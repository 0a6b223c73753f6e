namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>
    /// The walkthrough's heartbeat coroutine: while this node is leader, tell every follower so each
    /// <see cref="RaftOptions.HeartbeatInterval"/>, which keeps their election timers from running out (§5.2).
    /// </summary>
    private async Task RunHeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (Role == Role.Leader)
            {
                SendHeartbeats();
            }
            await Task.Delay(Options.HeartbeatInterval, _context.Time, cancellationToken);
        }
    }

    /// <summary>
    /// Sends every peer an AppendEntries from its nextIndex (§5.2, §5.3): a heartbeat for a follower that is
    /// up to date, the missing entries for one that is not. It also retries whatever was lost since the last.
    /// </summary>
    public void SendHeartbeats()
    {
        foreach (var peer in Peers)
        {
            // Even with entries in flight: the tick is also the retry for whatever was lost.
            SendAppendEntries(peer);
        }
    }
}
