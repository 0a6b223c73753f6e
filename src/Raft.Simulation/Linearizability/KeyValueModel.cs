namespace Raft.Simulation.Linearizability;

/// <summary>The key-value model's rules the search does not apply itself (WglSearch.TryPlace steps the hashed values); a value is null while missing.</summary>
internal static class KeyValueModel
{
    /// <summary>
    /// Whether <paramref name="write"/> could have contributed to the value <paramref name="read"/> returned: a put's value
    /// starts it, an append's value is inside it. Over-approximate on purpose: minimisation never removes such a write
    /// while the read stays, so a smaller history never fails merely because the writer of a value read was dropped.
    /// </summary>
    public static bool CouldSource(Operation write, Operation read) =>
        read is { Kind: OperationKind.Get, Output: { } seen } && write.Value is { } value && write.Kind switch
        {
            OperationKind.Put => seen.StartsWith(value, StringComparison.Ordinal),
            OperationKind.Append => seen.Contains(value, StringComparison.Ordinal),
            _ => false,
        };

    /// <summary>The state as a learner reads it: quoted, or "missing".</summary>
    public static string Describe(string? state) => Operation.Quote(state);
}
