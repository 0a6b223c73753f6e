namespace Raft;

/// <summary>A message on its way from one node to another.</summary>
public readonly record struct Envelope(int From, int To, IMessage Message);
