namespace Raft;

/// <summary>
/// How a node sends. Sending never blocks and never fails: the network may lose, delay,
/// duplicate or reorder the message, and Raft must be correct anyway (§5.1).
/// The simulator, a test's recording transport and (later) real sockets implement it.
/// </summary>
public interface ITransport
{
    /// <summary>Sends <paramref name="message"/> from this node to node <paramref name="to"/>.</summary>
    void Send(int to, IMessage message);
}
