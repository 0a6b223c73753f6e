using System.Buffers.Binary;

namespace Raft;

/// <summary>
/// TCP carries a stream of bytes, not messages: one read may return half a message or two. A frame puts a message's
/// length in front of it, [length: 4 bytes, big-endian][payload], so the reader knows where each one ends.
/// </summary>
public static class Frames
{
    /// <summary>Bytes of a frame before its payload.</summary>
    public const int HeaderSize = 4;

    /// <summary>The longest payload a node reads unless told otherwise: far above any real message (64 entries).</summary>
    public const int DefaultMaxLength = 1024 * 1024;

    /// <summary>A frame holding <paramref name="payload"/>, ready to be written in one call.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(HeaderSize));
        return frame;
    }

    /// <summary>
    /// Reads the next frame's payload from <paramref name="stream"/>; null when the stream ends cleanly, between two
    /// frames.
    /// </summary>
    /// <exception cref="BadFrameException">
    /// The frame claims more than <paramref name="maxLength"/> bytes, or the stream ends inside a frame.
    /// </exception>
    public static async ValueTask<byte[]?> ReadAsync(Stream stream, int maxLength, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderSize];
        var got = await stream.ReadAtLeastAsync(header, HeaderSize, throwOnEndOfStream: false, cancellationToken);
        if (got == 0)
        {
            return null;
        }
        if (got < HeaderSize)
        {
            throw new BadFrameException($"the connection closed inside a frame's header ({got} of {HeaderSize} bytes)");
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length > (uint)maxLength)
        {
            throw new BadFrameException($"a frame claims {length} bytes, more than the limit of {maxLength}");
        }
        var payload = new byte[length];
        got = await stream.ReadAtLeastAsync(payload, payload.Length, throwOnEndOfStream: false, cancellationToken);
        if (got < payload.Length)
        {
            throw new BadFrameException($"the connection closed inside a frame ({got} of its {length} bytes arrived)");
        }
        return payload;
    }
}
