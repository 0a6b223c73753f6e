namespace Raft.Simulation;

/// <summary>
/// A property that must hold after every step of a run. The simulator checks its rules whenever a
/// node's observable state changed, and stops the run at the first step that breaks one.
/// Chapters that change what the state means (snapshots, membership) supply their own rule set
/// through <see cref="SimulationOptions.SafetyRules"/> rather than editing the simulator.
/// </summary>
public interface ISafetyRule
{
    /// <summary>The property's name, as in Figure 3 of the paper, e.g. "Election Safety".</summary>
    string Name { get; }

    /// <summary>Where the paper states it, e.g. "§5.2, Figure 3".</summary>
    string Section { get; }

    /// <summary>Returns null if the property holds, else one sentence saying what broke.</summary>
    /// <param name="nodes">The live nodes, in id order.</param>
    /// <param name="changed">The ids of the nodes whose observable state changed in this step.</param>
    string? Check(IReadOnlyList<IRaftNode> nodes, IReadOnlySet<int> changed);
}
