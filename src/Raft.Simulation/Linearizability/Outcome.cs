namespace Raft.Simulation.Linearizability;

/// <summary>What the client learned about its operation.</summary>
public enum Outcome
{
    /// <summary>It completed and the client saw its result.</summary>
    Ok,

    /// <summary>
    /// It definitely did not take effect (refused before it reached the log, say). The checker leaves it out, so if
    /// its effect is seen anyway the history cannot be explained.
    /// </summary>
    Failed,

    /// <summary>
    /// The client never heard back (a timeout, a crash): it may have taken effect at any moment after its invocation,
    /// however late, or never. Its completion counts as +infinity.
    /// </summary>
    Unknown,
}
