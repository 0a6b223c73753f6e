//@since 07
namespace Raft;

/// <summary>
/// The first frame on a connection to a node started with a cluster key: who is calling (a node's id, or 0 for a
/// client) and a fresh random number the node must prove it can sign with the key.
/// </summary>
public sealed record PeerHello(int From, string Nonce);

/// <summary>The node's answer to a <see cref="PeerHello"/>: its own fresh number, and its proof that it holds the key.</summary>
public sealed record PeerChallenge(string Nonce, string Proof);

/// <summary>The caller's proof that it holds the key, over both numbers; after it, the connection carries messages.</summary>
public sealed record PeerProof(string Proof);
