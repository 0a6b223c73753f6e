namespace Raft;

/// <summary>
/// A node's timing. Raft needs broadcastTime ≪ electionTimeout ≪ MTBF (§5.6): a leader must be
/// able to send several heartbeats before any follower's election timer runs out. The defaults
/// send at most 10 heartbeats a second and wait 300-600 ms before suspecting the leader.
/// </summary>
public sealed record RaftOptions
{
    /// <summary>How often a leader sends AppendEntries when it has nothing else to send (§5.2).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Shortest election timeout (§5.2).</summary>
    public TimeSpan ElectionTimeoutMin { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Longest election timeout; timeouts are drawn at random between the two (§5.2).</summary>
    public TimeSpan ElectionTimeoutMax { get; init; } = TimeSpan.FromMilliseconds(600);

    /// <summary>
    /// A new leader appends a no-op entry of its term at once (§8), so entries of earlier terms commit without waiting
    /// for a client's command, and reads by ReadIndex can start. Off by default, so that the earlier chapters' tests
    /// count entries exactly; the key-value service (<see cref="NodeServer"/>, the live cluster, chapter 7's tests) turns
    /// it on.
    /// </summary>
    public bool NoOpOnElection { get; init; }

    /// <summary>
    /// The longest command a client may submit, in UTF-8 bytes. Larger ones are refused before they reach the log: an
    /// entry must fit in one message to every follower, or a follower could never receive it.
    /// </summary>
    public int MaxCommandBytes { get; init; } = 256 * 1024;

    /// <summary>Throws <see cref="ArgumentException"/> with a sentence if the timings cannot work.</summary>
    public void Validate()
    {
        if (HeartbeatInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"HeartbeatInterval must be positive (got {HeartbeatInterval.TotalMilliseconds} ms).");
        }
        if (ElectionTimeoutMin <= HeartbeatInterval)
        {
            throw new ArgumentException(
                $"ElectionTimeoutMin ({ElectionTimeoutMin.TotalMilliseconds} ms) must be longer than HeartbeatInterval " +
                $"({HeartbeatInterval.TotalMilliseconds} ms), or followers give up on a healthy leader (§5.6).");
        }
        if (ElectionTimeoutMax < ElectionTimeoutMin)
        {
            throw new ArgumentException(
                $"ElectionTimeoutMax ({ElectionTimeoutMax.TotalMilliseconds} ms) must not be shorter than ElectionTimeoutMin ({ElectionTimeoutMin.TotalMilliseconds} ms).");
        }
        if (MaxCommandBytes <= 0)
        {
            throw new ArgumentException($"MaxCommandBytes must be positive (got {MaxCommandBytes}).");
        }
    }
}
