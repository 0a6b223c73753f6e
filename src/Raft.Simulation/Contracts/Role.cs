namespace Raft;

/// <summary>The three roles of a Raft server (§5.1, Figure 4).</summary>
public enum Role
{
    /// <summary>Passive: answers requests from leaders and candidates.</summary>
    Follower,

    /// <summary>Asks for votes to become the next leader (§5.2).</summary>
    Candidate,

    /// <summary>Handles client requests and replicates its log (§5.3).</summary>
    Leader,
}
