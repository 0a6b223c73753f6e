// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
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

    /// <summary>Sends every peer an AppendEntries with no entries (§5.2).</summary>
    public void SendHeartbeats()
    {
        var heartbeat = new AppendEntries(CurrentTerm, Id, LastLogIndex(), LastLogTerm(), [], CommitIndex);
        foreach (var peer in Peers)
        {
            Send(peer, heartbeat);
        }
    }
}
