namespace Raft;

/// <summary>
/// The file operations a storage engine makes, each one a step a crash can fall between. <see cref="RealDisk"/> does
/// them on the real file system; the simulator's <c>CrashDisk</c> does them too, and can stop at any step (a crash)
/// and then forget what was not made durable (a power cut), which is how chapter 5's tests check that a crash between
/// any two writes loses nothing that was acknowledged.
/// <para>
/// What is durable follows POSIX: bytes written to a file are on the disk once that file is synced
/// (<see cref="IDiskFile.Sync"/>, fsync); a file's name (created, renamed over another, deleted) is on the disk once
/// its directory is synced (<see cref="SyncDirectory"/>). Until then a power cut can undo either.
/// </para>
/// </summary>
public interface IDisk
{
    bool Exists(string path);

    /// <summary>Every byte of the file.</summary>
    byte[] ReadAllBytes(string path);

    /// <summary>Creates the directory and any missing parents.</summary>
    void CreateDirectory(string path);

    /// <summary>Creates the file, or empties it if it exists, and opens it to write from its start.</summary>
    IDiskFile Create(string path);

    /// <summary>Opens the file to write at its end, creating it (empty) if it is missing.</summary>
    IDiskFile Append(string path);

    /// <summary>Opens a file that exists, to cut it shorter (<see cref="IDiskFile.SetLength"/>).</summary>
    IDiskFile OpenExisting(string path);

    /// <summary>
    /// Renames <paramref name="from"/> to <paramref name="to"/>, replacing any file there. Atomic: whoever looks sees the
    /// old file or the new one, never a mix. The new name is durable once the directory is synced.
    /// </summary>
    void Move(string from, string to);

    /// <summary>Deletes the file if it exists.</summary>
    void Delete(string path);

    /// <summary>Makes the names in the directory durable (fsync on the directory itself).</summary>
    void SyncDirectory(string directory);
}

/// <summary>A file opened for writing on an <see cref="IDisk"/>.</summary>
public interface IDiskFile : IDisposable
{
    long Length { get; }

    /// <summary>Writes at the file's current position (its end, for <see cref="IDisk.Append"/>). Not durable yet.</summary>
    void Write(ReadOnlySpan<byte> bytes);

    /// <summary>Returns once everything written to the file is on the disk (fsync).</summary>
    void Sync();

    /// <summary>Cuts the file to <paramref name="length"/> bytes. Not durable until <see cref="Sync"/>.</summary>
    void SetLength(long length);
}

/// <summary>The real file system, through <see cref="FileStream"/> and <see cref="File"/>.</summary>
public sealed class RealDisk : IDisk
{
    public static readonly RealDisk Instance = new();

    private RealDisk()
    {
    }

    public bool Exists(string path) => File.Exists(path);

    public byte[] ReadAllBytes(string path) => File.ReadAllBytes(path);

    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    public IDiskFile Create(string path) => new RealFile(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None));

    public IDiskFile Append(string path) => new RealFile(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read));

    public IDiskFile OpenExisting(string path) => new RealFile(new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None));

    public void Move(string from, string to) => File.Move(from, to, overwrite: true);

    public void Delete(string path) => File.Delete(path);

    public void SyncDirectory(string directory) => DirectorySync.Sync(directory);

    private sealed class RealFile(FileStream stream) : IDiskFile
    {
        public long Length => stream.Length;

        public void Write(ReadOnlySpan<byte> bytes) => stream.Write(bytes);

        // Flush() alone only moves .NET's buffer into the operating system's cache; flushToDisk is the fsync.
        public void Sync() => stream.Flush(flushToDisk: true);

        public void SetLength(long length) => stream.SetLength(length);

        public void Dispose() => stream.Dispose();
    }
}
