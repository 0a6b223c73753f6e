namespace Raft.Simulation;

/// <summary>
/// A run stopped: a safety rule broke, node code threw, or node code left the simulation.
/// Carries the rule and paper section, the seed and the trace, so a test can print a replay
/// command and draw the run.
/// </summary>
public sealed class SimulationFailedException(string rule, string section, string sentence, long seed, TimeSpan at, Trace trace, Exception? inner = null)
    : Exception($"{rule} ({section}) broke at {TraceEvent.Milliseconds(at)} ms of simulated time, seed {seed}: {sentence}", inner)
{
    public string Rule { get; } = rule;

    public string Section { get; } = section;

    public string Sentence { get; } = sentence;

    public long Seed { get; } = seed;

    public TimeSpan At { get; } = at;

    public Trace Trace { get; } = trace;
}
