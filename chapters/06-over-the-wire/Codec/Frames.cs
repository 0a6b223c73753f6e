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
        // TODO(ch06): ReadFrame: A reader must take exactly one frame, however the network splits it (one read can return a single byte): the frame's length, then exactly that many bytes. The stream ending before a frame starts is a clean close (null); ending inside a frame is a frame cut off, and a length above maxLength is refused before anything is allocated for it, since a stranger (or a garbled header) could claim 4 GB. Both are a BadFrameException that says which.
        throw new NotImplementedException("TODO(ch06) ReadFrame: A reader must take exactly one frame, however the network splits it (one read can return a single byte): the frame's length, then exactly that many bytes. The stream ending before a frame starts is a clean close (null); ending inside a frame is a frame cut off, and a length above maxLength is refused before anything is allocated for it, since a stranger (or a garbled header) could claim 4 GB. Both are a BadFrameException that says which.");
    }
}
