using Microsoft.Extensions.Logging.Abstractions;
using Raft.Simulation;

namespace Raft.Gate;

/// <summary>
/// One node with no network and no running loops: a unit test calls its handlers directly and
/// reads what it sent from the <see cref="RecordingTransport"/>.
/// </summary>
public static class Standalone
{
    /// <param name="clock">The node's clock; by default one that stays at the simulation's epoch.</param>
    /// <param name="storage">The node's storage, to look at what it saved; a fresh one by default.</param>
    public static (RaftNode Node, RecordingTransport Sent) Node(int id = 1, int clusterSize = 3, RaftOptions? options = null, TimeProvider? clock = null,
        SimStorage? storage = null)
    {
        var sent = new RecordingTransport();
        var context = new NodeContext(
            id,
            Enumerable.Range(1, clusterSize).Where(p => p != id).ToArray(),
            sent,
            clock ?? new ManualClock(),
            new Random(id),
            NullLogger.Instance,
            storage ?? new SimStorage());
        return (new RaftNode(context, options), sent);
    }

}

/// <summary>A clock that moves only when a test moves it; handlers may read it, and nothing waits on it.</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = SimulatedTime.Epoch;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        throw new InvalidOperationException("A standalone node has no running loops; use a simulated cluster to test timers.");
}
