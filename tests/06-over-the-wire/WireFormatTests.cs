using System.Buffers.Binary;
using System.Text;

namespace Raft.Gate.Ch06;

// The wire format as documented (Frames, WireMessage), checked against bytes written by hand, not only against the
// code's own round trip: a writer and a reader that agree on the wrong format (little-endian lengths, other property
// names) would pass a round trip and still fail to talk to any other node. And a node's reader is strict: a frame from
// outside is refused unless it is exactly one message it knows, every field present and of its type.
public sealed class WireFormatTests
{
    private static byte[] Header(uint length)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, length);
        return header;
    }

    private static async Task<List<byte[]>> ReadAll(Stream stream, int maxLength = Frames.DefaultMaxLength)
    {
        var frames = new List<byte[]>();
        while (await Frames.ReadAsync(stream, maxLength, CancellationToken.None) is { } payload)
        {
            frames.Add(payload);
        }
        return frames;
    }

    // Each message and its documented JSON, from node "from": {"from":N,"<type in camelCase>":{<fields in camelCase>}}.
    private static readonly (int From, object Message, string Json)[] Documented =
    [
        (1, new RequestVote(3, 1, 7, 2), """{"from":1,"requestVote":{"term":3,"candidateId":1,"lastLogIndex":7,"lastLogTerm":2}}"""),
        (2, new RequestVoteReply(3, true), """{"from":2,"requestVoteReply":{"term":3,"voteGranted":true}}"""),
        (1, new AppendEntries(4, 1, 6, 3, [new LogEntry(4, "put k v")], 5),
            """{"from":1,"appendEntries":{"term":4,"leaderId":1,"prevLogIndex":6,"prevLogTerm":3,"entries":[{"term":4,"command":"put k v"}],"leaderCommit":5}}"""),
        (3, new AppendEntriesReply(4, false, MatchIndex: 0, ConflictIndex: 3, ConflictTerm: 2),
            """{"from":3,"appendEntriesReply":{"term":4,"success":false,"matchIndex":0,"conflictIndex":3,"conflictTerm":2}}"""),
        (0, new ClientRequest(9, "get k"), """{"from":0,"clientRequest":{"requestId":9,"command":"get k"}}"""),
        (1, new ClientReply(9, Ok: true, Result: "v"), """{"from":1,"clientReply":{"requestId":9,"ok":true,"result":"v"}}"""),
        (1, new ClientReply(10, Ok: false, Error: "NotLeader: try node 2", LeaderHint: 2),
            """{"from":1,"clientReply":{"requestId":10,"ok":false,"error":"NotLeader: try node 2","leaderHint":2}}"""),
    ];

    [Fact]
    public async Task A_frame_is_a_four_byte_big_endian_length_then_the_payload()
    {
        var payload = Encoding.ASCII.GetBytes(new string('x', 300));

        Frames.Frame(payload)[..4].ShouldBe(new byte[] { 0, 0, 1, 44 }, "the length 300 is written in 4 bytes, most significant first (big-endian, network order): 0, 0, 1, 44");

        var read = await ReadAll(new MemoryStream([0, 0, 1, 44, .. payload]));
        read.Count.ShouldBe(1, "a header written by hand, 0 0 1 44, announces 300 bytes (TODO(ch06) ReadFrame)");
        read[0].Length.ShouldBe(300, "the reader takes the 4 bytes as a big-endian length (TODO(ch06) ReadFrame)");
    }

    [Fact]
    public async Task Each_message_goes_on_the_wire_as_its_documented_JSON()
    {
        var checkedMessages = 0;
        foreach (var (from, message, json) in Documented)
        {
            var frames = await ReadAll(new MemoryStream(Frames.Frame(MessageCodec.Encode(from, message))));
            frames.Count.ShouldBe(1, "a frame written is one frame read (TODO(ch06) ReadFrame)");
            Encoding.UTF8.GetString(frames[0]).ShouldBe(json, $"a {message.GetType().Name} goes on the wire as the documented JSON (WireMessage)");
            checkedMessages++;
        }
        checkedMessages.ShouldBe(Documented.Length, "every message type was checked");
    }

    [Fact]
    public async Task Each_message_written_by_hand_is_read_as_that_message()
    {
        var bytes = Documented.SelectMany(d => (byte[])[.. Header((uint)Encoding.UTF8.GetByteCount(d.Json)), .. Encoding.UTF8.GetBytes(d.Json)]).ToArray();

        var frames = await ReadAll(new MemoryStream(bytes));

        frames.Count.ShouldBe(Documented.Length, "one frame per message written by hand (TODO(ch06) ReadFrame)");
        for (var i = 0; i < frames.Count; i++)
        {
            var (from, message) = MessageCodec.Decode(frames[i]);
            from.ShouldBe(Documented[i].From, "the sender's id is read from \"from\"");
            message.ToString().ShouldBe(Documented[i].Message.ToString(), $"{Documented[i].Json} is read as the message it documents, every field");
        }
    }

    [Fact]
    public async Task A_command_in_any_script_arrives_as_it_was_written()
    {
        const string command = "append ключ ✓ \"quoted\" \\ back <b>&</b>";
        const string json = """{"from":0,"clientRequest":{"requestId":1,"command":"append ключ ✓ \"quoted\" \\ back <b>&</b>"}}""";
        var bytes = Encoding.UTF8.GetBytes(json);

        var frames = await ReadAll(new MemoryStream([.. Header((uint)bytes.Length), .. bytes]));
        frames.Count.ShouldBe(1, "a frame written by hand is read whole (TODO(ch06) ReadFrame)");
        var message = MessageCodec.Decode(frames[0]).Message;

        message.ShouldBe(new ClientRequest(1, command), "a command is UTF-8 JSON text: any script, quotes and backslashes escaped as JSON escapes them");
        MessageCodec.Decode(MessageCodec.Encode(0, new ClientRequest(1, command))).Message.ShouldBe(new ClientRequest(1, command), "and it survives a round trip");
    }

    [Fact]
    public async Task A_frame_of_exactly_the_limit_is_read_and_one_byte_more_is_refused()
    {
        var atLimit = await ReadAll(new MemoryStream([.. Header(1024), .. new byte[1024]]), maxLength: 1024);
        atLimit.Single().Length.ShouldBe(1024, "a frame of exactly maxLength bytes is allowed (TODO(ch06) ReadFrame)");

        await Should.ThrowAsync<BadFrameException>(() => ReadAll(new MemoryStream([.. Header(1025), .. new byte[1025]]), maxLength: 1024),
            "a frame of maxLength + 1 bytes is over the limit (TODO(ch06) ReadFrame)");
    }

    [Fact]
    public async Task A_frame_of_length_zero_is_an_empty_payload_not_the_end_of_the_stream()
    {
        var frames = await ReadAll(new MemoryStream([.. Header(0), .. Frames.Frame("x"u8)]));

        frames.Count.ShouldBe(2, "a length of 0 is a frame with an empty payload; the stream goes on after it (TODO(ch06) ReadFrame)");
        frames[0].ShouldBeEmpty("the first frame is empty");
        Encoding.ASCII.GetString(frames[1]).ShouldBe("x", "the frame after it is read as usual");
    }

    [Fact]
    public async Task A_length_with_the_top_bit_set_is_refused_as_too_long_whatever_the_limit()
    {
        var tried = 0;
        foreach (var length in new uint[] { 0x8000_0000, 0x8000_0001, 0xFFFF_FFFF })
        {
            var error = await Should.ThrowAsync<BadFrameException>(() => ReadAll(new MemoryStream([.. Header(length), 1, 2, 3]), maxLength: int.MaxValue),
                $"a frame that claims {length} bytes is more than any limit an int can state: refused as too long, never read as a negative length " +
                "(which would fail with another exception, or worse) (TODO(ch06) ReadFrame)");
            error.Message.ShouldContain("limit", Case.Insensitive, "the reason says the frame is over the limit");
            tried++;
        }
        tried.ShouldBe(3, "three lengths were tried");
    }
}
