using Microsoft.Extensions.Logging.Abstractions;
using Raft.Simulation;

namespace Raft.Gate;

/// <summary>
/// One node with no network and no running loops: a unit test calls its handlers directly and
/// reads what it sent from the <see cref="RecordingTransport"/>.
/// </summary>
public static class Standalone
{
    public static (RaftNode Node, RecordingTransport Sent) Node(int id = 1, int clusterSize = 3, RaftOptions? options = null)
    {
        var sent = new RecordingTransport();
        var context = new NodeContext(
            id,
            Enumerable.Range(1, clusterSize).Where(p => p != id).ToArray(),
            sent,
            new FixedClock(),
            new Random(id),
            NullLogger.Instance,
            new SimStorage());
        return (new RaftNode(context, options), sent);
    }

    /// <summary>A clock that stays at the simulation's epoch: handlers may read it, and nothing waits on it.</summary>
    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => SimulatedTime.Epoch;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            throw new InvalidOperationException("A standalone node has no running loops; use a simulated cluster to test timers.");
    }
}
