namespace Raft.Simulation;

/// <summary>
/// A transport that only writes down what a node sends: for calling one node's handlers directly
/// in a unit test or a notebook cell, with no network and no other nodes.
/// </summary>
public sealed class RecordingTransport : ITransport
{
    private readonly List<(int To, IMessage Message)> _sent = [];

    public IReadOnlyList<(int To, IMessage Message)> Sent => _sent;

    public void Send(int to, IMessage message) => _sent.Add((to, message));

    /// <summary>The messages of type <typeparamref name="T"/> sent so far, with their destinations.</summary>
    public IReadOnlyList<(int To, T Message)> SentOf<T>() where T : IMessage =>
        _sent.Where(s => s.Message is T).Select(s => (s.To, (T)s.Message)).ToList();

    public void Clear() => _sent.Clear();
}
