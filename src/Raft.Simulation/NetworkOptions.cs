namespace Raft.Simulation;

/// <summary>How the simulated network behaves. Each message draws its own fate from the run's seed.</summary>
public sealed record NetworkOptions
{
    /// <summary>Shortest one-way delay.</summary>
    public TimeSpan MinDelay { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Longest one-way delay (uniform between the two). Different delays reorder messages.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Chance that a message is lost.</summary>
    public double DropRate { get; init; }

    /// <summary>Chance that a message is delivered twice.</summary>
    public double DuplicateRate { get; init; }

    /// <summary>Chance that a message is held back for up to <see cref="LongDelayMax"/> (strong reordering).</summary>
    public double LongDelayRate { get; init; }

    public TimeSpan LongDelayMax { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Every message arrives once, after 1-10 ms.</summary>
    public static NetworkOptions Reliable { get; } = new();

    /// <summary>
    /// Roughly MIT 6.5840's unreliable network: 10% of messages lost, some duplicated, some held back
    /// long enough to arrive after newer ones.
    /// </summary>
    public static NetworkOptions Unreliable { get; } = new()
    {
        MaxDelay = TimeSpan.FromMilliseconds(27),
        DropRate = 0.10,
        DuplicateRate = 0.05,
        LongDelayRate = 0.05,
    };

    internal void Validate()
    {
        if (MinDelay < TimeSpan.Zero || MaxDelay < MinDelay)
        {
            throw new ArgumentException($"Network delays must satisfy 0 <= MinDelay <= MaxDelay (got {MinDelay}, {MaxDelay}).");
        }
        foreach (var (name, p) in new[] { ("DropRate", DropRate), ("DuplicateRate", DuplicateRate), ("LongDelayRate", LongDelayRate) })
        {
            if (p is < 0 or > 1 || double.IsNaN(p))
            {
                throw new ArgumentException($"{name} must be a probability between 0 and 1 (got {p}).");
            }
        }
    }
}
