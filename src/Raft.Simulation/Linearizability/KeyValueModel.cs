namespace Raft.Simulation.Linearizability;

/// <summary>The sequential specification the checker holds histories to: one key's value, null while missing.</summary>
internal static class KeyValueModel
{
    /// <summary>
    /// Applies <paramref name="op"/> to <paramref name="state"/>; false when a get's output is not the current value.
    /// Missing stays distinct from "": a get that saw "" where nothing was written is wrong.
    /// </summary>
    public static bool Step(Operation op, string? state, out string? next)
    {
        switch (op.Kind)
        {
            case OperationKind.Put:
                next = op.Value;
                return true;
            case OperationKind.Append:
                next = (state ?? "") + op.Value;
                return true;
            default:
                next = state;
                return string.Equals(op.Output, state, StringComparison.Ordinal);
        }
    }

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
