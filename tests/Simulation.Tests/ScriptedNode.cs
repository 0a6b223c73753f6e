using System.Threading.Channels;

namespace Raft.Simulation.Tests;

/// <summary>A node whose state the test sets and whose loop the test writes: for testing the simulator itself.</summary>
public sealed class ScriptedNode(NodeContext context, Func<ScriptedNode, CancellationToken, Task> script) : IRaftNode
{
    public NodeContext Context { get; } = context;

    public Channel<Envelope> Inbox { get; } = Channel.CreateUnbounded<Envelope>();

    public int Id => Context.Id;

    public Role Role { get; set; }

    public long CurrentTerm { get; set; }

    public int? VotedFor { get; set; }

    public List<LogEntry> Entries { get; } = [];

    public IReadOnlyList<LogEntry> Log => Entries;

    public long CommitIndex { get; set; }

    public long LastApplied { get; set; }

    public Task RunAsync(CancellationToken cancellationToken) => script(this, cancellationToken);

    public void Deliver(Envelope envelope) => Inbox.Writer.TryWrite(envelope);

    public static SimCluster<ScriptedNode> Cluster(long seed, Func<ScriptedNode, CancellationToken, Task> script, int nodes = 3, NetworkOptions? network = null) =>
        SimCluster.Create(new SimulationOptions { Seed = seed, NodeCount = nodes, Network = network ?? NetworkOptions.Reliable },
            c => new ScriptedNode(c, script));

    /// <summary>A loop that waits forever for cancellation, the way an idle node does.</summary>
    public static async Task Idle(ScriptedNode node, CancellationToken ct)
    {
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, node.Context.Time, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>A message for scripted nodes.</summary>
public sealed record Ping(long Term, int Hop) : IMessage;
