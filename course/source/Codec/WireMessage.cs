//@since 06
namespace Raft;

/// <summary>
/// What one frame carries: the sender's id and exactly one message, named by the property that holds it, as in
/// <c>{"from":1,"requestVote":{"term":3,"candidateId":1,"lastLogIndex":7,"lastLogTerm":2}}</c>. Naming the type by a
/// property keeps the format readable in a packet capture, and lets System.Text.Json's source generator read it
/// without reflection; a property this node does not know is refused (see <see cref="WireJsonContext"/>).
/// </summary>
public sealed record WireMessage
{
    public int From { get; init; }

    public RequestVote? RequestVote { get; init; }

    public RequestVoteReply? RequestVoteReply { get; init; }

    public AppendEntries? AppendEntries { get; init; }

    public AppendEntriesReply? AppendEntriesReply { get; init; }

    public ClientRequest? ClientRequest { get; init; }

    public ClientReply? ClientReply { get; init; }
    //@since 07

    public PeerHello? PeerHello { get; init; }

    public PeerChallenge? PeerChallenge { get; init; }

    public PeerProof? PeerProof { get; init; }
    //@end

    /// <summary>Puts <paramref name="message"/> in the property for its type.</summary>
    public static WireMessage Wrap(int from, object message) => message switch
    {
        RequestVote m => new WireMessage { From = from, RequestVote = m },
        RequestVoteReply m => new WireMessage { From = from, RequestVoteReply = m },
        AppendEntries m => new WireMessage { From = from, AppendEntries = m },
        AppendEntriesReply m => new WireMessage { From = from, AppendEntriesReply = m },
        ClientRequest m => new WireMessage { From = from, ClientRequest = m },
        ClientReply m => new WireMessage { From = from, ClientReply = m },
        //@since 07
        PeerHello m => new WireMessage { From = from, PeerHello = m },
        PeerChallenge m => new WireMessage { From = from, PeerChallenge = m },
        PeerProof m => new WireMessage { From = from, PeerProof = m },
        //@end
        _ => throw new ArgumentException($"{message.GetType().Name} is not a message the wire format knows.", nameof(message)),
    };

    /// <summary>The one message this frame carries.</summary>
    /// <exception cref="BadFrameException">The frame names no message, or more than one.</exception>
    public object Unwrap()
    {
        //@before 07
        //~ object?[] all = [RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply, ClientRequest, ClientReply];
        //@end
        //@since 07
        object?[] all = [RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply, ClientRequest, ClientReply, PeerHello, PeerChallenge, PeerProof];
        //@end
        var present = all.Where(m => m is not null).ToList();
        return present.Count == 1
            ? present[0]!
            : throw new BadFrameException(present.Count == 0
                ? "the frame carries no message"
                : $"the frame carries {present.Count} messages ({string.Join(", ", present.Select(m => m!.GetType().Name))}); a frame carries one");
    }
}
