namespace Raft;

/// <summary>
/// Every Raft message carries the sender's term: that is what the universal rule of §5.1 reads
/// ("If RPC request or response contains term T > currentTerm: set currentTerm = T, convert to follower").
/// </summary>
public interface IMessage
{
    long Term { get; }
}
