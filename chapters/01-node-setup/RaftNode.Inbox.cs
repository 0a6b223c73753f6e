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
        // TODO(ch01): Dispatch: Apply the universal term rule to every message, requests and replies alike (ObserveTerm(envelope.Message.Term)); then call the handler for the message's type (HandleRequestVote, HandleRequestVoteReply, HandleAppendEntries, HandleAppendEntriesReply), and throw an ArgumentException that names the type of any other message.
        throw new NotImplementedException("TODO(ch01) Dispatch: Apply the universal term rule to every message, requests and replies alike (ObserveTerm(envelope.Message.Term)); then call the handler for the message's type (HandleRequestVote, HandleRequestVoteReply, HandleAppendEntries, HandleAppendEntriesReply), and throw an ArgumentException that names the type of any other message.");
    }
}
