using System.Globalization;
using System.Text;

namespace Raft.Simulation.Linearizability;

/// <summary>The checker's answer for a whole history: one verdict per key.</summary>
public sealed class CheckResult
{
    internal CheckResult(IReadOnlyList<KeyVerdict> keys)
    {
        Keys = keys;
    }

    /// <summary>True when every key is linearizable (a key the checker gave up on is not).</summary>
    public bool Linearizable => Keys.All(k => k.Linearizable);

    /// <summary>Every key's verdict, in ordinal key order.</summary>
    public IReadOnlyList<KeyVerdict> Keys { get; }

    /// <summary>The keys shown not to be linearizable.</summary>
    public IEnumerable<KeyVerdict> Failures => Keys.Where(k => !k.Linearizable && !k.GaveUp);

    /// <summary>The keys the checker could not decide within its budget.</summary>
    public IEnumerable<KeyVerdict> Undecided => Keys.Where(k => k.GaveUp);

    /// <summary>The verdict for <paramref name="key"/>, or null if the history had no operation on it.</summary>
    public KeyVerdict? this[string key] => Keys.FirstOrDefault(k => k.Key == key);

    /// <summary>A few lines: the overall verdict, then each failing or undecided key's explanation.</summary>
    public string Summary()
    {
        var failures = Failures.ToList();
        var undecided = Undecided.ToList();
        var operations = Keys.Sum(k => k.Operations.Count);
        var sb = new StringBuilder();
        if (Linearizable)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Linearizable: {Keys.Count} keys, {operations} operations.");
            return sb.ToString();
        }
        if (failures.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"NOT linearizable: {failures.Count} of {Keys.Count} keys failed ({string.Join(", ", failures.Select(f => f.Key))}); {operations} operations.");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"Undecided: no key failed, but the checker gave up on {undecided.Count} of {Keys.Count} keys; {operations} operations.");
        }
        if (failures.Count > 0 && undecided.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $" The checker gave up on {undecided.Count} more ({string.Join(", ", undecided.Select(f => f.Key))}).");
        }
        foreach (var verdict in failures.Concat(undecided))
        {
            sb.Append('\n').Append('\n').Append(verdict.Explanation);
        }
        return sb.ToString();
    }

    public override string ToString() => Summary();
}
