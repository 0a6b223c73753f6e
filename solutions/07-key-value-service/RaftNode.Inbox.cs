// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
namespace Raft;

public sealed partial class RaftNode
{
    /// <summary>
    /// Takes messages from the inbox one at a time and hands each to <see cref="Dispatch"/>.
    /// </summary>
    private async Task RunInboxLoopAsync(CancellationToken cancellationToken)
    {
        // Not `await foreach (var m in reader.ReadAllAsync())`: it uses ConfigureAwait(false) inside,
        // so messages would be handled on the thread pool, outside the simulation.
        while (await _inbox.Reader.WaitToReadAsync(cancellationToken))
        {
            while (_inbox.Reader.TryRead(out var envelope))
            {
                Dispatch(envelope);
            }
        }
    }

    /// <summary>
    /// Handles one message: first the rule every server applies to every message (§5.1), then the
    /// handler for the message's type.
    /// </summary>
    /// <exception cref="ArgumentException">The message is of a type this node does not know.</exception>
    public void Dispatch(Envelope envelope)
    {
        ObserveTerm(envelope.Message.Term);
        switch (envelope.Message)
        {
            case RequestVote request:
                HandleRequestVote(envelope.From, request);
                break;
            case RequestVoteReply reply:
                HandleRequestVoteReply(envelope.From, reply);
                break;
            case AppendEntries request:
                HandleAppendEntries(envelope.From, request);
                break;
            case AppendEntriesReply reply:
                HandleAppendEntriesReply(envelope.From, reply);
                break;
            default:
                throw new ArgumentException(
                    $"Node {Id} got a {envelope.Message.GetType().Name} from node {envelope.From}, which is not a Raft message it knows.",
                    nameof(envelope));
        }
    }
}
