namespace Raft;

/// <summary>
/// Stored state is damaged in a way a crash cannot explain (a checksum that fails in the middle of a file, a record
/// that cannot be decoded). The node must not start: guessing could lose entries it acknowledged.
/// </summary>
public sealed class StorageCorruptException : Exception
{
    public StorageCorruptException(string path, long offset, string problem)
        : base($"{path} is corrupt at byte {offset}: {problem}. The node will not start on damaged state: it could have lost a vote or entries it acknowledged, and Raft's safety rests on both. Restore the directory from a backup, or replace the node.")
    {
        Path = path;
        Offset = offset;
    }

    /// <summary>The damaged file.</summary>
    public string Path { get; }

    /// <summary>Where in it the damage starts.</summary>
    public long Offset { get; }
}
