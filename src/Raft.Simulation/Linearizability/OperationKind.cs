namespace Raft.Simulation.Linearizability;

/// <summary>What a client asked the key-value store to do.</summary>
public enum OperationKind
{
    /// <summary>Read a key: returns its value, or null when the key was never written.</summary>
    Get,

    /// <summary>Set a key's value; returns nothing.</summary>
    Put,

    /// <summary>Add to the end of a key's value (a missing key counts as ""); returns nothing.</summary>
    Append,
}
