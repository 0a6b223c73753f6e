using System.Buffers.Binary;
using System.Text;

namespace Raft.Gate.Ch06;

// TCP delivers bytes, not messages. These tests hand the frame reader streams that split, join and cut frames the
// way a real network does, with no sockets, so they run in milliseconds.
public sealed class FrameTests
{
    private static readonly object[] EveryMessage =
    [
        new RequestVote(7, 2, 41, 6),
        new RequestVoteReply(7, true),
        new AppendEntries(8, 1, 40, 7, [new LogEntry(7, "put k1 v1"), new LogEntry(8, "append ключ ✓ \"quoted\" \\ back")], 39),
        new AppendEntries(8, 1, 0, 0, [], 0),
        new AppendEntriesReply(8, false, MatchIndex: 0, ConflictIndex: 12, ConflictTerm: 5),
        new AppendEntriesReply(8, true, MatchIndex: 42),
        new ClientRequest(99, "get k1"),
        new ClientReply(99, Ok: false, Error: "NotLeader: try node 3", LeaderHint: 3),
        new ClientReply(100, Ok: true, Result: "v1"),
    ];

    private static async Task<List<byte[]>> ReadAll(Stream stream, int maxLength = Frames.DefaultMaxLength)
    {
        var frames = new List<byte[]>();
        while (await Frames.ReadAsync(stream, maxLength, CancellationToken.None) is { } payload)
        {
            frames.Add(payload);
        }
        return frames;
    }

    private static byte[] Header(uint length)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, length);
        return header;
    }

    [Fact]
    public async Task Every_message_type_round_trips_through_a_frame()
    {
        var bytes = EveryMessage.SelectMany(m => Frames.Frame(MessageCodec.Encode(4, m))).ToArray();

        var frames = await ReadAll(new MemoryStream(bytes));

        frames.Count.ShouldBe(EveryMessage.Length, "one frame comes out for each frame written (TODO(ch06) ReadFrame)");
        for (var i = 0; i < frames.Count; i++)
        {
            var (from, message) = MessageCodec.Decode(frames[i]);
            from.ShouldBe(4, "the sender's id travels with the message");
            message.GetType().ShouldBe(EveryMessage[i].GetType(), "a message comes back as the type it was sent as");
            // Records compare by value; AppendEntries holds a list, so compare what it prints (every entry).
            message.ToString().ShouldBe(EveryMessage[i].ToString(), "every field survives the trip");
        }
    }

    [Fact]
    public async Task A_frame_that_arrives_one_byte_at_a_time_is_read_whole()
    {
        var frame = Frames.Frame(MessageCodec.Encode(1, new RequestVote(3, 1, 5, 2)));

        var frames = await ReadAll(new TrickleStream(frame));

        frames.Count.ShouldBe(1, "a read may return a single byte; the reader must keep reading until the frame is whole (TODO(ch06) ReadFrame)");
        MessageCodec.Decode(frames[0]).Message.ShouldBe(new RequestVote(3, 1, 5, 2), "the bytes are put together in order");
    }

    [Fact]
    public async Task Two_frames_that_arrive_in_one_read_come_out_as_two()
    {
        var bytes = Frames.Frame(Encoding.UTF8.GetBytes("first")).Concat(Frames.Frame(Encoding.UTF8.GetBytes("second"))).ToArray();

        var frames = await ReadAll(new MemoryStream(bytes));

        frames.Select(f => Encoding.UTF8.GetString(f)).ShouldBe(["first", "second"],
            "the length prefix says where one frame ends and the next begins (TODO(ch06) ReadFrame)");
    }

    [Fact]
    public async Task A_stream_that_ends_between_frames_is_a_clean_close()
    {
        var payload = await Frames.ReadAsync(new MemoryStream([]), Frames.DefaultMaxLength, CancellationToken.None);

        payload.ShouldBeNull("a peer that closes between two frames is done, not broken (TODO(ch06) ReadFrame)");
    }

    [Fact]
    public async Task A_frame_longer_than_the_limit_is_refused_before_it_is_read()
    {
        var stream = new MemoryStream([.. Header(2_000_000_000), .. new byte[64]]);

        var error = await Should.ThrowAsync<BadFrameException>(() => ReadAll(stream, maxLength: 1024),
            "a length above the limit is refused (TODO(ch06) ReadFrame): a garbled header must not make the node allocate 2 GB");
        error.Message.ShouldContain("limit", Case.Insensitive, "the reason says the frame is over the limit");
        stream.Position.ShouldBe(4, "nothing past the length is read once the length is refused");
    }

    [Fact]
    public async Task A_stream_that_ends_inside_a_header_is_a_cut_off_frame()
    {
        var error = await Should.ThrowAsync<BadFrameException>(() => ReadAll(new MemoryStream([0, 0])),
            "two bytes of a four-byte length are a frame cut off, not a clean close (TODO(ch06) ReadFrame)");
        error.Message.ShouldContain("header", Case.Insensitive, "the reason says where the frame was cut");
    }

    [Fact]
    public async Task A_stream_that_ends_inside_a_payload_is_a_cut_off_frame()
    {
        var error = await Should.ThrowAsync<BadFrameException>(() => ReadAll(new MemoryStream([.. Header(100), .. new byte[10]])),
            "a frame that promised 100 bytes and brought 10 is cut off (TODO(ch06) ReadFrame)");
        error.Message.ShouldContain("10", Case.Insensitive, "the reason says how much of the frame arrived");
    }

    /// <summary>A stream that returns at most one byte per read, as a slow network may.</summary>
    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 1)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, 1), cancellationToken);
    }
}
