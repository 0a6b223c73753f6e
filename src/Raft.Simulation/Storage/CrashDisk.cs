namespace Raft.Simulation;

/// <summary>
/// A disk that crashes on cue: every operation goes to the real file system (so the storage under test is the real
/// one, on real files), and each one that changes something is a numbered step. <see cref="CrashAfter"/> makes the
/// next step after that many throw <see cref="DiskCrashedException"/> instead of happening, as if the machine stopped
/// right there; from then on the disk refuses everything. What the directory holds then is what a process crash
/// leaves (the operating system's cache survives it). <see cref="PowerCut"/> goes further and puts the directory back to
/// what was durable: each file's bytes as of its last sync, each name as of its directory's last sync (POSIX: fsync
/// on a file makes its bytes durable, fsync on the directory makes a create, rename or delete durable).
/// </summary>
public sealed class CrashDisk : IDisk
{
    private sealed class Inode(byte[] bytes)
    {
        /// <summary>The bytes a reader sees now.</summary>
        public List<byte> Current { get; } = [.. bytes];

        /// <summary>The bytes on the disk: as of the last sync.</summary>
        public byte[] Durable { get; set; } = bytes;
    }

    private readonly string _root;
    private readonly Dictionary<string, Inode> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Inode> _durableNames = new(StringComparer.Ordinal);
    private readonly List<string> _history = [];
    private int? _crashAt;

    /// <param name="root">The directory the storage under test keeps its files in; what it holds now counts as durable.</param>
    public CrashDisk(string root)
    {
        _root = Path.GetFullPath(root);
        if (Directory.Exists(_root))
        {
            foreach (var file in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
            {
                _names[file] = _durableNames[file] = new Inode(File.ReadAllBytes(file));
            }
        }
    }

    /// <summary>Steps done so far: operations that changed something.</summary>
    public int Steps => _history.Count;

    /// <summary>Each step done, in words ("write 41 bytes to log"), for a test's failure message.</summary>
    public IReadOnlyList<string> History => _history;

    /// <summary>True once the crash happened: the disk refuses everything after it.</summary>
    public bool Crashed { get; private set; }

    /// <summary>The step that did not happen because the crash came first, in words; null before the crash.</summary>
    public string? CrashedBefore { get; private set; }

    /// <summary>Lets <paramref name="steps"/> more steps happen after those done so far; the one after them crashes.</summary>
    public void CrashAfter(int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        _crashAt = Steps + steps;
    }

    /// <summary>
    /// A power cut after the crash: every file under the root goes back to what was durable. Returns the files found
    /// under the root that were not written through this disk (a storage that writes around its disk cannot be
    /// crash-tested); they are deleted too, as the disk knows nothing durable of them.
    /// </summary>
    public IReadOnlyList<string> PowerCut()
    {
        Crashed = true;
        var unknown = new List<string>();
        if (Directory.Exists(_root))
        {
            foreach (var file in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories).ToList())
            {
                if (!_names.ContainsKey(file) && !_durableNames.ContainsKey(file))
                {
                    unknown.Add(Path.GetRelativePath(_root, file));
                }
                File.Delete(file);
            }
        }
        foreach (var (path, inode) in _durableNames)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, inode.Durable);
        }
        return unknown;
    }

    private void Step(string what)
    {
        Alive();
        if (_crashAt is { } at && Steps >= at)
        {
            Crashed = true;
            CrashedBefore = what;
            throw new DiskCrashedException($"The machine crashed before step {Steps + 1} ({what}).");
        }
        _history.Add(what);
    }

    private void Alive()
    {
        if (Crashed)
        {
            throw new DiskCrashedException("The machine crashed: nothing runs on it any more.");
        }
    }

    private string Name(string path) => Path.GetRelativePath(_root, Path.GetFullPath(path));

    public bool Exists(string path)
    {
        Alive();
        return File.Exists(path);
    }

    public byte[] ReadAllBytes(string path)
    {
        Alive();
        return File.ReadAllBytes(path);
    }

    public void CreateDirectory(string path)
    {
        Alive();
        if (!Directory.Exists(path))
        {
            Step($"create directory {Name(path)}");
            Directory.CreateDirectory(path);
        }
    }

    public IDiskFile Create(string path)
    {
        var full = Path.GetFullPath(path);
        Step($"create {Name(full)} (emptied if it exists)");
        var stream = new FileStream(full, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        if (_names.TryGetValue(full, out var inode))
        {
            inode.Current.Clear(); // the old bytes stay durable until a sync
        }
        else
        {
            _names[full] = inode = new Inode([]);
        }
        return new CrashFile(this, full, inode, stream);
    }

    public IDiskFile Append(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            Step($"create {Name(full)}");
            _names[full] = new Inode([]);
        }
        else
        {
            Alive();
            if (!_names.ContainsKey(full))
            {
                // Written around this disk: what it holds now is all the disk can know of it.
                _names[full] = new Inode(File.ReadAllBytes(full));
            }
        }
        return new CrashFile(this, full, _names[full], new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0));
    }

    public IDiskFile OpenExisting(string path)
    {
        Alive();
        var full = Path.GetFullPath(path);
        var stream = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.None, bufferSize: 0);
        if (!_names.TryGetValue(full, out var inode))
        {
            _names[full] = inode = new Inode(File.ReadAllBytes(full));
        }
        return new CrashFile(this, full, inode, stream);
    }

    public void Move(string from, string to)
    {
        var source = Path.GetFullPath(from);
        var target = Path.GetFullPath(to);
        Step($"rename {Name(source)} over {Name(target)}");
        File.Move(source, target, overwrite: true);
        if (_names.Remove(source, out var inode))
        {
            _names[target] = inode;
        }
    }

    public void Delete(string path)
    {
        var full = Path.GetFullPath(path);
        Alive();
        if (File.Exists(full))
        {
            Step($"delete {Name(full)}");
            File.Delete(full);
            _names.Remove(full);
        }
    }

    public void SyncDirectory(string directory)
    {
        var dir = Path.GetFullPath(directory);
        Step($"sync the directory {(dir == _root ? "" : Name(dir))}".TrimEnd());
        DirectorySync.Sync(dir);
        bool In(string path) => string.Equals(Path.GetDirectoryName(path), dir.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal);
        foreach (var gone in _durableNames.Keys.Where(In).ToList())
        {
            _durableNames.Remove(gone);
        }
        foreach (var (path, inode) in _names.Where(n => In(n.Key)))
        {
            _durableNames[path] = inode;
        }
    }

    // Unbuffered streams: a write that returned is in the operating system's cache, as after a write() call, so a crash
    // leaves it there and only a power cut (unsynced) takes it away.
    private sealed class CrashFile(CrashDisk disk, string path, Inode inode, FileStream stream) : IDiskFile
    {
        public long Length
        {
            get
            {
                disk.Alive();
                return stream.Length;
            }
        }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            disk.Step($"write {bytes.Length} bytes to {disk.Name(path)}");
            var at = (int)stream.Position;
            stream.Write(bytes);
            // Keep the reader's view: bytes land at the position written, past the end they extend the file.
            for (var i = 0; i < bytes.Length; i++)
            {
                if (at + i < inode.Current.Count)
                {
                    inode.Current[at + i] = bytes[i];
                }
                else
                {
                    inode.Current.Add(bytes[i]);
                }
            }
        }

        public void Sync()
        {
            disk.Step($"sync {disk.Name(path)}");
            stream.Flush(flushToDisk: true);
            inode.Durable = [.. inode.Current];
        }

        public void SetLength(long length)
        {
            disk.Step($"cut {disk.Name(path)} to {length} bytes");
            stream.SetLength(length);
            if (length < inode.Current.Count)
            {
                inode.Current.RemoveRange((int)length, inode.Current.Count - (int)length);
            }
        }

        public void Dispose() => stream.Dispose();
    }
}

/// <summary>The <see cref="CrashDisk"/> crashed: the storage that used it stops here, as its process would.</summary>
public sealed class DiskCrashedException(string message) : Exception(message);
