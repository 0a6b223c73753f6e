namespace Raft.Simulation.Linearizability;

/// <summary>
/// The deepest point a failing search reached: the longest order of operations it could explain, the value after it,
/// and the operation that had to come next but could not.
/// </summary>
/// <param name="Prefix">The longest order found that explains everything the clients saw up to there.</param>
/// <param name="State">The key's value after <paramref name="Prefix"/> (null: missing).</param>
/// <param name="MustCome">
/// The operation that had to be placed next: it completed before every other operation left began, or overlaps them.
/// </param>
/// <param name="Others">The other operations that could have come next there (they overlap <paramref name="MustCome"/>).</param>
public sealed record StuckPoint(IReadOnlyList<Operation> Prefix, string? State, Operation MustCome, IReadOnlyList<Operation> Others)
{
    /// <summary>When the search got stuck: the moment <see cref="MustCome"/> completed, after which it had to have happened.</summary>
    public long At => MustCome.Complete;

    /// <summary>Reads like "after c1 put x "1" [0..10] ok: x is "1"; c2 get x → "2" [20..30] ok must come next and needs "2"".</summary>
    public override string ToString() =>
        (Prefix.Count == 0 ? "at the start" : $"after {string.Join(", ", Prefix)}") +
        $": {MustCome.Key} is {KeyValueModel.Describe(State)}; {MustCome} must come next and {Needs(MustCome)}";

    /// <summary>What the operation that must come needs, in words: "needs "2"" or "is a write that leads nowhere".</summary>
    internal static string Needs(Operation op) => op.Kind == OperationKind.Get
        ? $"needs {KeyValueModel.Describe(op.Output)}"
        : "can be placed, but every order that follows from it gets stuck too";
}
