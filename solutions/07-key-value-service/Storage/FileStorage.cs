// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Raft;

/// <summary>
/// Figure 2's persistent state in a directory, the way storage engines keep a write-ahead log:
/// <list type="bullet">
/// <item><c>log</c>: an append-only file of records, one per entry written (a record at index i replaces whatever was
/// at i and after, which is how a conflict's truncation is stored without rewriting the file), fsynced before a save
/// returns;</item>
/// <item><c>term</c>: one record with currentTerm and votedFor, replaced atomically: written to <c>term.tmp</c>,
/// fsynced, renamed over <c>term</c>, and the directory fsynced.</item>
/// </list>
/// Every record is framed as [payload length: 4 bytes][CRC-32 of those 4 bytes][CRC-32 of the payload][payload],
/// little-endian. Writes are appended and synced in order, so a crash can cut off the end of the log file but not
/// scramble what came before: a file that ends inside a record is a torn write, which was never acknowledged, and is
/// discarded on load. Any other damage stops the node with a <see cref="StorageCorruptException"/> naming the file and
/// the byte offset, because guessing could lose a vote or an entry the node acknowledged.
/// <para>
/// Every file operation goes through an <see cref="IDisk"/>: the real file system by default, and in chapter 5's
/// tests a disk that crashes between any two operations and then forgets what was not synced.
/// </para>
/// </summary>
public sealed class FileStorage : IStableStorage, IDisposable
{
    /// <summary>Bytes of a record's frame before its payload.</summary>
    public const int HeaderSize = 12;

    /// <summary>The largest payload a record may claim; a bigger length is damage, not a record.</summary>
    public const int MaxPayloadSize = 16 * 1024 * 1024;

    private const byte EntryRecord = 1;
    private const byte TruncateRecord = 2;
    private const int TermPayloadSize = 13;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ILogger _logger;
    private readonly IDisk _disk;
    private IDiskFile? _logFile;
    private long _count = -1; // entries in the stored log; -1 until loaded

    /// <param name="directory">The node's own directory; created if missing. A missing or empty directory is a fresh node.</param>
    /// <param name="disk">Where the files are read and written; the real file system (<see cref="RealDisk"/>) if null.</param>
    public FileStorage(string directory, ILogger? logger = null, IDisk? disk = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        DirectoryPath = Path.GetFullPath(directory);
        _logger = logger ?? NullLogger.Instance;
        _disk = disk ?? RealDisk.Instance;
    }

    public string DirectoryPath { get; }

    public string LogPath => Path.Combine(DirectoryPath, "log");

    public string TermPath => Path.Combine(DirectoryPath, "term");

    public PersistentState Load()
    {
        _disk.CreateDirectory(DirectoryPath);
        // A term.tmp is a replacement that a crash interrupted before its rename: the old term file still holds.
        _disk.Delete(TermPath + ".tmp");
        var (term, vote) = ReadTermFile();
        var log = ReadLogFile();
        _logFile?.Dispose();
        var created = !_disk.Exists(LogPath);
        _logFile = _disk.Append(LogPath);
        if (created)
        {
            // A new file's name is durable only once its directory is synced: without this, a power cut could take
            // the whole log file away, with every entry synced into it.
            _disk.SyncDirectory(DirectoryPath);
        }
        _count = log.Count;
        return new PersistentState(term, vote, log);
    }

    public void SaveTermAndVote(long currentTerm, int? votedFor)
    {
        EnsureLoaded();
        var temporary = TermPath + ".tmp";
        using (var file = _disk.Create(temporary))
        {
            file.Write(Frame(TermPayload(currentTerm, votedFor)));
            file.Sync();
        }
        _disk.Move(temporary, TermPath);
        _disk.SyncDirectory(DirectoryPath);
    }

    public void SaveLog(long fromIndex, ReadOnlySpan<LogEntry> entries)
    {
        EnsureLoaded();
        if (fromIndex < 1 || fromIndex > _count + 1)
        {
            throw new ArgumentOutOfRangeException(nameof(fromIndex), fromIndex,
                $"The stored log has entries 1 to {_count}, so a save starts at an index from 1 to {_count + 1}; a gap would lose entries.");
        }
        using var batch = new MemoryStream();
        if (entries.Length == 0 && fromIndex <= _count)
        {
            batch.Write(Frame(IndexPayload(TruncateRecord, fromIndex, 0, [])));
        }
        for (var i = 0; i < entries.Length; i++)
        {
            batch.Write(Frame(IndexPayload(EntryRecord, fromIndex + i, entries[i].Term, StrictUtf8.GetBytes(entries[i].Command))));
        }
        if (batch.Length == 0)
        {
            return;
        }
        _logFile!.Write(batch.GetBuffer().AsSpan(0, (int)batch.Length));
        // Durable before the save returns: the node is about to acknowledge these entries (Figure 2).
        _logFile.Sync();
        _count = fromIndex - 1 + entries.Length;
    }

    public void Dispose()
    {
        _logFile?.Dispose();
        _logFile = null;
    }

    /// <summary>Reads the log file's records into a log. Discards a torn final record; throws on any other damage.</summary>
    private List<LogEntry> ReadLogFile()
    {
        var log = new List<LogEntry>();
        if (!_disk.Exists(LogPath))
        {
            return log;
        }
        var bytes = _disk.ReadAllBytes(LogPath);
        var position = 0;
        while (position < bytes.Length)
        {
            var left = bytes.Length - position;
            if (left < HeaderSize)
            {
                TruncateTornTail(position, bytes.Length, "a record header cut short");
                break;
            }
            var header = bytes.AsSpan(position, HeaderSize);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
            if (Crc32.Compute(header[..4]) != BinaryPrimitives.ReadUInt32LittleEndian(header[4..]))
            {
                throw Corrupt(LogPath, position, "the record header's checksum does not match its length");
            }
            if (length > MaxPayloadSize)
            {
                throw Corrupt(LogPath, position, $"the record claims {length} bytes, more than the {MaxPayloadSize} a record may hold");
            }
            if (left < HeaderSize + length)
            {
                TruncateTornTail(position, bytes.Length, $"a record of {length} bytes with only {left - HeaderSize} written");
                break;
            }
            var payload = bytes.AsSpan(position + HeaderSize, (int)length);
            if (Crc32.Compute(payload) != BinaryPrimitives.ReadUInt32LittleEndian(header[8..]))
            {
                throw Corrupt(LogPath, position, "the record's contents do not match their checksum");
            }
            ApplyRecord(log, payload, position);
            position += HeaderSize + (int)length;
        }
        return log;
    }

    /// <summary>Applies one log record: an entry at its index (replacing that index and all after it), or a truncation.</summary>
    private void ApplyRecord(List<LogEntry> log, ReadOnlySpan<byte> payload, long offset)
    {
        if (payload.Length < 17 || payload[0] is not (EntryRecord or TruncateRecord))
        {
            throw Corrupt(LogPath, offset, $"a record of kind {(payload.Length > 0 ? payload[0] : -1)} and {payload.Length} bytes is neither an entry nor a truncation");
        }
        var index = BinaryPrimitives.ReadInt64LittleEndian(payload[1..]);
        var term = BinaryPrimitives.ReadInt64LittleEndian(payload[9..]);
        if (index < 1 || index > log.Count + 1)
        {
            throw Corrupt(LogPath, offset, $"the record is for index {index}, but the log before it has {log.Count} entries");
        }
        log.RemoveRange((int)index - 1, log.Count - (int)index + 1);
        if (payload[0] == TruncateRecord)
        {
            return;
        }
        string command;
        try
        {
            command = StrictUtf8.GetString(payload[17..]);
        }
        catch (DecoderFallbackException)
        {
            throw Corrupt(LogPath, offset, "the entry's command is not valid UTF-8");
        }
        log.Add(new LogEntry(term, command));
    }

    /// <summary>Cuts the log file back to its last whole record, so the next append follows valid data.</summary>
    private void TruncateTornTail(long position, long length, string what)
    {
        _logger.LogWarning("{Path}: discarding {Bytes} bytes at offset {Offset}, {What}: a write cut short by a crash, never acknowledged",
            LogPath, length - position, position, what);
        using var file = _disk.OpenExisting(LogPath);
        file.SetLength(position);
        file.Sync();
    }

    private (long Term, int? Vote) ReadTermFile()
    {
        if (!_disk.Exists(TermPath))
        {
            return (0, null);
        }
        // Replaced only by rename, so it is never torn: any damage here is corruption.
        var bytes = _disk.ReadAllBytes(TermPath);
        if (bytes.Length != HeaderSize + TermPayloadSize)
        {
            throw Corrupt(TermPath, Math.Min(bytes.Length, HeaderSize + TermPayloadSize),
                $"it has {bytes.Length} bytes; a term record has {HeaderSize + TermPayloadSize}");
        }
        var header = bytes.AsSpan(0, HeaderSize);
        var payload = bytes.AsSpan(HeaderSize);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != TermPayloadSize || Crc32.Compute(header[..4]) != BinaryPrimitives.ReadUInt32LittleEndian(header[4..]))
        {
            throw Corrupt(TermPath, 0, "the record header is damaged");
        }
        if (Crc32.Compute(payload) != BinaryPrimitives.ReadUInt32LittleEndian(header[8..]))
        {
            throw Corrupt(TermPath, HeaderSize, "currentTerm and votedFor do not match their checksum");
        }
        var term = BinaryPrimitives.ReadInt64LittleEndian(payload);
        int? vote = payload[8] == 1 ? BinaryPrimitives.ReadInt32LittleEndian(payload[9..]) : null;
        return (term, vote);
    }

    /// <summary>A record: its payload's length, a checksum of that length, a checksum of the payload, the payload.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var record = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.Compute(record.AsSpan(0, 4)));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), Crc32.Compute(payload));
        payload.CopyTo(record.AsSpan(HeaderSize));
        return record;
    }

    /// <summary>The term file's payload: currentTerm (8 bytes), whether there is a vote (1), votedFor (4).</summary>
    public static byte[] TermPayload(long currentTerm, int? votedFor)
    {
        var payload = new byte[TermPayloadSize];
        BinaryPrimitives.WriteInt64LittleEndian(payload, currentTerm);
        payload[8] = votedFor is null ? (byte)0 : (byte)1;
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(9), votedFor ?? 0);
        return payload;
    }

    private static byte[] IndexPayload(byte kind, long index, long term, byte[] command)
    {
        var payload = new byte[17 + command.Length];
        payload[0] = kind;
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(1), index);
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(9), term);
        command.CopyTo(payload.AsSpan(17));
        return payload;
    }

    private static StorageCorruptException Corrupt(string path, long offset, string problem) => new(path, offset, problem);

    private void EnsureLoaded()
    {
        if (_count < 0)
        {
            Load();
        }
    }
}
