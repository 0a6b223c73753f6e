namespace Raft.Gate.Ch05;

// FileStorage keeps Figure 2's persistent state in files the way storage engines keep a write-ahead log. Tested the
// way they are: cut the last write at every byte and restart; flip every byte and expect the named error.
public sealed class FileStorageTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "raft-filestorage-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private string Dir(string name) => Path.Combine(_root, name);

    private static LogEntry[] Entries(long firstIndex, params long[] terms) =>
        terms.Select((t, i) => new LogEntry(t, $"put k{firstIndex + i} value ü{firstIndex + i}")).ToArray();

    private static PersistentState Reload(string dir)
    {
        using var storage = new FileStorage(dir);
        return storage.Load();
    }

    /// <summary>A directory whose log holds entries 1 to 3 (acknowledged), then one more write of entries 4 and 5.</summary>
    private (byte[] Before, byte[] After) TwoWrites(string dir)
    {
        using var storage = new FileStorage(dir);
        storage.Load();
        storage.SaveTermAndVote(2, 1);
        storage.SaveLog(1, Entries(1, 1, 1, 2));
        var before = File.ReadAllBytes(storage.LogPath);
        storage.SaveLog(4, Entries(4, 2, 2));
        return (before, File.ReadAllBytes(storage.LogPath));
    }

    [Fact]
    public void What_is_saved_is_what_a_restart_loads()
    {
        var dir = Dir("roundtrip");
        using (var storage = new FileStorage(dir))
        {
            storage.Load().ShouldBe(PersistentState.Empty, "A new directory is a fresh node.");
            storage.SaveTermAndVote(3, 2);
            storage.SaveLog(1, Entries(1, 1, 1, 2, 2));
            storage.SaveLog(3, Entries(3, 3));      // a conflict: entries 3 and 4 replaced by one entry of term 3
            storage.SaveTermAndVote(4, null);
            storage.SaveLog(4, Entries(4, 4, 4));
        }

        var loaded = Reload(dir);

        loaded.CurrentTerm.ShouldBe(4, "Figure 2: the last currentTerm saved comes back.");
        loaded.VotedFor.ShouldBeNull("Figure 2: the last votedFor saved (none, in term 4) comes back.");
        loaded.Log.ShouldBe([.. Entries(1, 1, 1), .. Entries(3, 3), .. Entries(4, 4, 4)],
            "The log comes back as saved: a later save from index 3 replaced what was at 3 and after, and commands keep every character.");
    }

    [Fact]
    public void A_truncation_with_no_new_entries_survives_a_restart()
    {
        var dir = Dir("truncate");
        using (var storage = new FileStorage(dir))
        {
            storage.Load();
            storage.SaveLog(1, Entries(1, 1, 1, 1));
            storage.SaveLog(2, []);
        }

        Reload(dir).Log.ShouldBe(Entries(1, 1), "Saving an empty list from index 2 drops entries 2 and 3, and they stay dropped after a restart.");

        using var reopened = new FileStorage(dir);
        reopened.Load();
        Should.Throw<ArgumentOutOfRangeException>(() => reopened.SaveLog(3, Entries(3, 1)),
            "Saving from index 3 onto one entry would leave index 2 empty; refuse it rather than lose entries.");
    }

    [Fact]
    public void A_missing_or_empty_directory_is_a_fresh_node()
    {
        Reload(Dir("missing/deeper")).ShouldBe(PersistentState.Empty, "A directory that does not exist yet is a fresh node (and is created).");
        Directory.CreateDirectory(Dir("empty"));
        Reload(Dir("empty")).ShouldBe(PersistentState.Empty, "An empty directory is a fresh node.");
        File.WriteAllBytes(Path.Combine(Dir("empty"), "log"), []);
        Reload(Dir("empty")).ShouldBe(PersistentState.Empty, "An empty log file is an empty log (a crash before the first record was written).");
        Directory.Exists(Dir("missing/deeper")).ShouldBeTrue("Load creates the node's directory.");
    }

    [Fact]
    public void Cutting_the_last_write_at_any_byte_loses_nothing_that_was_acknowledged()
    {
        var (before, after) = TwoWrites(Dir("source"));
        var term = File.ReadAllBytes(Path.Combine(Dir("source"), "term"));
        var cuts = 0;
        for (var cut = before.Length; cut < after.Length; cut++)
        {
            cuts++;
            var dir = Dir($"cut{cut}");
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, "term"), term);
            File.WriteAllBytes(Path.Combine(dir, "log"), after[..cut]);

            using var storage = new FileStorage(dir);
            var loaded = storage.Load();

            loaded.Log.Take(3).ShouldBe(Entries(1, 1, 1, 2), $"Cut at byte {cut}: entries 1 to 3 were saved (acknowledged) before the cut write began; a restart keeps them.");
            loaded.Log.Count.ShouldBeLessThanOrEqualTo(5, $"Cut at byte {cut}: only whole records of the cut write may come back.");
            loaded.Log.ShouldBe(Entries(1, 1, 1, 2, 2, 2).Take(loaded.Log.Count).ToArray(), $"Cut at byte {cut}: what comes back is a prefix of what was written, never a damaged entry.");
            loaded.CurrentTerm.ShouldBe(2, "The term file is untouched by a cut log write.");

            storage.SaveLog(loaded.Log.Count + 1, Entries(loaded.Log.Count + 1, 3));
            storage.Dispose();
            Reload(dir).Log.Count.ShouldBe(loaded.Log.Count + 1,
                $"Cut at byte {cut}: the torn bytes are discarded on load, so a write after the restart follows the last whole record and comes back too.");
        }
        cuts.ShouldBeGreaterThan(2 * (FileStorage.HeaderSize + 17), "the last write (two entries, so at least two whole records) was cut at each of its bytes: " +
            "a storage that wrote nothing for it would leave nothing to cut, and this test would prove nothing");
    }

    [Fact]
    public void A_flipped_byte_anywhere_in_the_log_is_an_error_that_names_the_file_and_the_record()
    {
        var (_, bytes) = TwoWrites(Dir("source"));
        // Where each record starts: the error names the record that holds the damage.
        var starts = new List<int>();
        for (var p = 0; p < bytes.Length; p += FileStorage.HeaderSize + BitConverter.ToInt32(bytes, p))
        {
            starts.Add(p);
        }
        var flips = 0;
        for (var at = 0; at < bytes.Length; at++)
        {
            flips++;
            var dir = Dir($"flip{at}");
            Directory.CreateDirectory(dir);
            var damaged = (byte[])bytes.Clone();
            damaged[at] ^= 0x5A;
            File.WriteAllBytes(Path.Combine(dir, "log"), damaged);

            var error = Should.Throw<StorageCorruptException>(() => Reload(dir),
                $"Byte {at} flipped: damage a crash cannot cause must stop the node with a named error, not be dropped as if torn (an acknowledged entry would be lost) nor loaded as if good.");
            error.Path.ShouldBe(Path.Combine(Path.GetFullPath(dir), "log"), "The error names the damaged file.");
            error.Offset.ShouldBe(starts.Last(s => s <= at), $"Byte {at} flipped: the error names the offset of the record that holds it.");
            error.Message.ShouldContain(error.Path, Case.Sensitive, "The message says which file, for the operator.");
        }
        flips.ShouldBe(bytes.Length, "every byte of the log was flipped once");
        flips.ShouldBeGreaterThan(5 * (FileStorage.HeaderSize + 17), "the log holds five records to damage: a storage that wrote nothing would leave nothing to check");
    }

    [Fact]
    public void A_record_that_claims_more_than_the_limit_is_damage_not_a_torn_write()
    {
        var dir = Dir("huge");
        Directory.CreateDirectory(dir);
        var header = new byte[FileStorage.HeaderSize];
        BitConverter.TryWriteBytes(header, (uint)FileStorage.MaxPayloadSize + 1).ShouldBeTrue("The length fits in 4 bytes.");
        BitConverter.TryWriteBytes(header.AsSpan(4), Crc32.Compute(header.AsSpan(0, 4))).ShouldBeTrue("The header checksum fits in 4 bytes.");
        File.WriteAllBytes(Path.Combine(dir, "log"), [.. header, 1, 2, 3]);

        Should.Throw<StorageCorruptException>(() => Reload(dir), "A length above MaxPayloadSize is never written, so it is damage, not a record cut short.")
            .Offset.ShouldBe(0, "The error names the record at offset 0.");
    }

    [Fact]
    public void A_damaged_term_file_is_an_error_that_names_it()
    {
        var dir = Dir("term");
        using (var storage = new FileStorage(dir))
        {
            storage.Load();
            storage.SaveTermAndVote(9, 4);
        }
        var path = Path.Combine(dir, "term");
        var bytes = File.ReadAllBytes(path);
        bytes.Length.ShouldBe(FileStorage.HeaderSize + 13, "the term file holds one record: a header and currentTerm with votedFor (13 bytes)");
        for (var at = 0; at < bytes.Length; at++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[at] ^= 0x01;
            File.WriteAllBytes(path, damaged);
            Should.Throw<StorageCorruptException>(() => Reload(dir), $"Byte {at} of the term file flipped: the vote it holds cannot be trusted, so the node must not start.")
                .Path.ShouldBe(Path.GetFullPath(path), "The error names the term file.");
        }
        File.WriteAllBytes(path, bytes[..5]);
        Should.Throw<StorageCorruptException>(() => Reload(dir), "A term file is replaced by rename, never torn: a short one is damage.");
    }

    [Fact]
    public void Replacing_the_term_and_vote_is_atomic()
    {
        var dir = Dir("atomic");
        using (var storage = new FileStorage(dir))
        {
            storage.Load();
            storage.SaveTermAndVote(5, 2);
            storage.SaveTermAndVote(6, 3);
        }
        Directory.GetFiles(dir).Select(f => Path.GetFileName(f)!).Order().ToArray().ShouldBe(new[] { "log", "term" }, "A save leaves no temporary file behind: it is renamed over the old one.");
        Reload(dir).CurrentTerm.ShouldBe(6, "The last save wins.");

        // A crash after writing term.tmp and before the rename: the old pair holds.
        File.WriteAllBytes(Path.Combine(dir, "term.tmp"), [1, 2, 3]);
        var loaded = Reload(dir);
        (loaded.CurrentTerm, loaded.VotedFor).ShouldBe((6L, (int?)3), "An interrupted replacement leaves the old term and vote, whole.");
        File.Exists(Path.Combine(dir, "term.tmp")).ShouldBeFalse("The leftover of the interrupted replacement is removed.");
    }
}
