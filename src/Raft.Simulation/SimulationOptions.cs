using Microsoft.Extensions.Logging;

namespace Raft.Simulation;

/// <summary>What a run is: its seed, its cluster, its network, what it checks and logs.</summary>
public sealed record SimulationOptions
{
    public long Seed { get; init; } = 1;

    /// <summary>Nodes are numbered 1..NodeCount.</summary>
    public int NodeCount { get; init; } = 3;

    public NetworkOptions Network { get; init; } = NetworkOptions.Reliable;

    /// <summary>The rules checked after every step; a fresh set per run, since rules keep history.</summary>
    public Func<IReadOnlyList<ISafetyRule>> SafetyRules { get; init; } = Simulation.SafetyRules.Figure3;

    /// <summary>Node log lines at or above this level go into the trace.</summary>
    public LogLevel TraceLogLevel { get; init; } = LogLevel.Information;

    /// <summary>
    /// Where node logs go besides the trace, e.g. <c>LoggerFactory.Create(b => b.AddSimpleConsole())</c> for a
    /// console run. Each node logs under the category "n{id}", each line starting with the simulated time.
    /// </summary>
    public ILoggerFactory? Loggers { get; init; }

    /// <summary>
    /// Check, at every message a node sends, that its currentTerm, votedFor and log are what its storage holds
    /// (Figure 2: persistent state is saved "before responding to RPCs"). Chapter 5 on; earlier chapters save nothing.
    /// </summary>
    public bool RequirePersistBeforeSend { get; init; }

    /// <summary>
    /// Work items allowed at one simulated instant before the run is declared stuck: a loop that
    /// never awaits a delay would otherwise keep the clock from ever moving.
    /// </summary>
    public int MaxStepsPerInstant { get; init; } = 200_000;

    internal void Validate()
    {
        if (NodeCount is < 1 or > 99)
        {
            throw new ArgumentOutOfRangeException(nameof(NodeCount), NodeCount, "A simulated cluster has 1 to 99 nodes.");
        }
        Network.Validate();
    }
}
