namespace Raft;

/// <summary>
/// Storage that survives a crash: where a node keeps currentTerm, votedFor and its log
/// (Figure 2, "Persistent state on all servers ... updated on stable storage before responding to RPCs").
/// A write is durable when <see cref="Write"/> returns.
/// </summary>
public interface IStableStorage
{
    /// <summary>The bytes last written under <paramref name="name"/>, or null if none were.</summary>
    byte[]? Read(string name);

    void Write(string name, ReadOnlySpan<byte> data);
}
