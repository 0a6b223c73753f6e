namespace Raft.Simulation.Linearizability;

/// <summary>The checker's answer for one key: linearizable, not, or undecided within the budget.</summary>
public sealed class KeyVerdict
{
    internal KeyVerdict(string key, IReadOnlyList<Operation> operations)
    {
        Key = key;
        Operations = operations;
    }

    /// <summary>The key.</summary>
    public string Key { get; }

    /// <summary>True when some order of the operations explains every result the clients saw.</summary>
    public bool Linearizable { get; internal init; }

    /// <summary>
    /// True when the budget ran out before the search decided: neither a pass nor a failure. <see cref="Linearizable"/> is false.
    /// </summary>
    public bool GaveUp { get; internal init; }

    /// <summary>Why it gave up (which budget ran out, and how far it got); null otherwise.</summary>
    public string? GaveUpReason { get; internal init; }

    /// <summary>Every operation on this key as given, failed and unknown ones included.</summary>
    public IReadOnlyList<Operation> Operations { get; }

    /// <summary>
    /// When it passes: an order that explains the history. Unknown operations missing from it never need to have taken effect.
    /// </summary>
    public IReadOnlyList<Operation>? Order { get; internal init; }

    /// <summary>When it fails: where the search over the whole history got furthest, and what stopped it.</summary>
    public StuckPoint? StuckAt { get; internal init; }

    /// <summary>
    /// When it fails: a small part of the history that fails on its own, found by removing operations while the rest
    /// still fails (never a write whose value a remaining read could have seen, so the failure is the history's own and
    /// not one made by leaving the writer out). Failed writes whose value a read saw are listed too, to show what was seen.
    /// </summary>
    public IReadOnlyList<Operation>? Minimal { get; internal init; }

    /// <summary>True when minimisation stopped early (its time ran out): <see cref="Minimal"/> fails but might shrink further.</summary>
    public bool MinimalIsPartial { get; internal init; }

    /// <summary>Sentences a learner can read: what passed, or what could not be explained and why.</summary>
    public string Explanation { get; internal init; } = "";

    /// <summary>How many steps the search of the whole history took.</summary>
    public long Steps { get; internal init; }

    /// <summary>How long the search of the whole history took (minimisation not included).</summary>
    public TimeSpan Elapsed { get; internal init; }

    public override string ToString() => Explanation;
}
