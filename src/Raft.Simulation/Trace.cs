using System.Security.Cryptography;
using System.Text;

namespace Raft.Simulation;

/// <summary>Everything that happened in one run, in order.</summary>
public sealed class Trace
{
    private readonly List<TraceEvent> _events = [];

    public Trace(long seed, int nodeCount)
    {
        Seed = seed;
        NodeCount = nodeCount;
    }

    public long Seed { get; }

    public int NodeCount { get; }

    public IReadOnlyList<TraceEvent> Events => _events;

    public IEnumerable<MessageSent> Sent => _events.OfType<MessageSent>();

    /// <summary>Messages of type <typeparamref name="T"/> sent so far, optionally only those from one node.</summary>
    public IEnumerable<(MessageSent Event, T Message)> SentOf<T>(int? from = null) where T : IMessage =>
        Sent.Where(e => e.Message is T && (from is null || e.From == from)).Select(e => (e, (T)e.Message));

    internal void Add(TraceEvent e) => _events.Add(e);

    /// <summary>The trace as text, one event per line.</summary>
    public string Text()
    {
        var sb = new StringBuilder();
        sb.Append("seed ").Append(Seed).Append(", ").Append(NodeCount).Append(" nodes\n");
        foreach (var e in _events)
        {
            sb.Append(e.Line).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>SHA-256 of <see cref="Text"/>: two runs are identical exactly when their hashes are.</summary>
    public string Hash() => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Text())));
}
