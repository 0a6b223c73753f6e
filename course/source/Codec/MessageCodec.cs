//@since 06
using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Raft;

/// <summary>Turns a message into a frame's payload (UTF-8 JSON, see <see cref="WireMessage"/>) and back.</summary>
public static class MessageCodec
{
    // A command goes out as long as the client sent it. System.Text.Json's default encoder escapes what is unsafe in an
    // HTML page (< becomes \u003C: six bytes for one), so a 200 KB command of '<' would become a 1.2 MB frame that every
    // follower refuses. JSON itself needs only quotes, backslashes and control characters escaped, which is what the
    // relaxed encoder does ("unsafe" for HTML, which a frame never is).
    private static readonly JsonWriterOptions Writing = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The largest term or index a frame may carry: a node adds 1 to terms it hears, and must never wrap (§5.1).</summary>
    public const long MaxNumber = 1L << 62;

    public static byte[] Encode(int from, object message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Writing))
        {
            JsonSerializer.Serialize(writer, WireMessage.Wrap(from, message), WireJsonContext.Default.WireMessage);
        }
        return buffer.WrittenSpan.ToArray();
    }

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
        if (OutOfRange(message) is { } wrong)
        {
            throw new BadFrameException(wrong);
        }
        return (wire.From, message);
    }

    // Terms and indexes come from outside: a negative one means nothing, and one near long.MaxValue would make a node's
    // next term (CurrentTerm + 1) wrap to a negative number, on disk, so that no leader is ever elected again.
    private static string? OutOfRange(object message)
    {
        var (name, numbers) = message switch
        {
            RequestVote m => (nameof(RequestVote), new[] { m.Term, m.LastLogIndex, m.LastLogTerm }),
            RequestVoteReply m => (nameof(RequestVoteReply), [m.Term]),
            AppendEntries m => (nameof(AppendEntries), [m.Term, m.PrevLogIndex, m.PrevLogTerm, m.LeaderCommit, .. m.Entries.Where(e => e is not null).Select(e => e.Term)]),
            AppendEntriesReply m => (nameof(AppendEntriesReply), [m.Term, m.MatchIndex, m.ConflictIndex, m.ConflictTerm]),
            _ => ("", Array.Empty<long>()),
        };
        foreach (var number in numbers)
        {
            if (number is < 0 or > MaxNumber)
            {
                return $"a {name} carries {number}, outside the terms and indexes a node accepts (0 to 2^62)";
            }
        }
        return null;
    }
}
