using System.Text.Json;

namespace Raft;

/// <summary>Turns a message into a frame's payload (UTF-8 JSON, see <see cref="WireMessage"/>) and back.</summary>
public static class MessageCodec
{
    public static byte[] Encode(int from, object message) =>
        JsonSerializer.SerializeToUtf8Bytes(WireMessage.Wrap(from, message), WireJsonContext.Default.WireMessage);

    /// <summary>The sender and the message of a frame's payload.</summary>
    /// <exception cref="BadFrameException">The payload is not exactly one message this node knows.</exception>
    public static (int From, object Message) Decode(ReadOnlySpan<byte> payload)
    {
        WireMessage? wire;
        try
        {
            wire = JsonSerializer.Deserialize(payload, WireJsonContext.Default.WireMessage);
        }
        catch (JsonException e)
        {
            throw new BadFrameException($"the frame is not a message this node knows: {e.Message}", e);
        }
        if (wire is null)
        {
            throw new BadFrameException("the frame is JSON null, not a message");
        }
        var message = wire.Unwrap();
        if (message is AppendEntries { Entries: var entries } && entries.Any(e => e is null))
        {
            throw new BadFrameException("an AppendEntries carries a null entry");
        }
        return (wire.From, message);
    }
}
