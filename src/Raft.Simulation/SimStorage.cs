namespace Raft.Simulation;

/// <summary>A node's disk in the simulation: it survives a crash of the node, and only a crash.</summary>
public sealed class SimStorage : IStableStorage
{
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);

    public byte[]? Read(string name) => _files.TryGetValue(name, out var data) ? (byte[])data.Clone() : null;

    public void Write(string name, ReadOnlySpan<byte> data)
    {
        _files[name] = data.ToArray();
    }
}
