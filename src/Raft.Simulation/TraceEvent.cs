using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Raft.Simulation;

/// <summary>
/// One thing that happened in a run, at a simulated instant. Each event prints as one line;
/// the lines of a run are its trace, and the same seed gives the same lines byte for byte.
/// </summary>
public abstract record TraceEvent(TimeSpan At)
{
    public string Line => string.Create(CultureInfo.InvariantCulture, $"{Milliseconds(At),10} {Describe()}");

    public abstract string Describe();

    public static string Milliseconds(TimeSpan t) =>
        string.Create(CultureInfo.InvariantCulture, $"{t.Ticks / TimeSpan.TicksPerMillisecond}.{t.Ticks % TimeSpan.TicksPerMillisecond / 10:D3}");
}

/// <summary>A node handed a message to the network.</summary>
public sealed record MessageSent(TimeSpan At, long Id, int From, int To, IMessage Message) : TraceEvent(At)
{
    public string Kind => Message.GetType().Name;

    public override string Describe() => $"send #{Id} n{From}->n{To} {Message}";
}

/// <summary>A message reached its destination's inbox.</summary>
public sealed record MessageDelivered(TimeSpan At, long Id, int From, int To) : TraceEvent(At)
{
    public override string Describe() => $"recv #{Id} n{From}->n{To}";
}

/// <summary>A message was lost: dropped by the network, cut off by a partition, or sent to a crashed node.</summary>
public sealed record MessageDropped(TimeSpan At, long Id, int From, int To, string Reason) : TraceEvent(At)
{
    public override string Describe() => $"drop #{Id} n{From}->n{To} ({Reason})";
}

/// <summary>A node's observable Figure 2 state after it changed.</summary>
public sealed record NodeStateChanged(
    TimeSpan At, int Node, Role Role, long Term, int? VotedFor, long LogLength, long LastLogTerm, long CommitIndex, long LastApplied)
    : TraceEvent(At)
{
    public override string Describe() =>
        string.Create(CultureInfo.InvariantCulture,
            $"state n{Node} {Role} term={Term} votedFor={(VotedFor is { } v ? "n" + v : "-")} log={LogLength}(last term {LastLogTerm}) commit={CommitIndex} applied={LastApplied}");
}

public sealed record NodeCrashed(TimeSpan At, int Node) : TraceEvent(At)
{
    public override string Describe() => $"crash n{Node}";
}

public sealed record NodeRestarted(TimeSpan At, int Node) : TraceEvent(At)
{
    public override string Describe() => $"restart n{Node}";
}

/// <summary>A partition, a cut link or a heal.</summary>
public sealed record NetworkChanged(TimeSpan At, string Description) : TraceEvent(At)
{
    public override string Describe() => $"network {Description}";
}

/// <summary>A line a node wrote to its <see cref="ILogger"/>.</summary>
public sealed record NodeLogged(TimeSpan At, int Node, LogLevel Level, string Text) : TraceEvent(At)
{
    public override string Describe() => $"log n{Node} {Level}: {Text}";
}

/// <summary>A remark made by the test or notebook driving the run.</summary>
public sealed record Remark(TimeSpan At, string Text) : TraceEvent(At)
{
    public override string Describe() => $"note {Text}";
}

/// <summary>The run stopped here: a safety rule broke, node code threw, or node code left the simulation.</summary>
public sealed record RunFailed(TimeSpan At, string Rule, string Section, string Sentence) : TraceEvent(At)
{
    public override string Describe() => $"FAILED {Rule} ({Section}): {Sentence}";
}
