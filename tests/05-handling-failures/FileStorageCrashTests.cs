using Raft.Simulation;

namespace Raft.Gate.Ch05;

// FileStorage on the real file system, crashed between any two of its file operations. A crash keeps what the operating
// system had (a process killed); a power cut then keeps only what was synced, file by file and name by name (POSIX:
// fsync on a file for its bytes, on its directory for a create or a rename). After either, a restart must find every
// save that returned, whole, and the one that was cut off either whole or not at all (IStableStorage's contract).
public sealed class FileStorageCrashTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "raft-crash-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>What storage holds: the term, the vote and the log.</summary>
    private sealed record State(long Term, int? Vote, IReadOnlyList<LogEntry> Log)
    {
        public override string ToString() => $"term {Term}, vote {(Vote is { } v ? $"{v}" : "none")}, log [{string.Join(" ", Log.Select(e => $"{e.Term}:{e.Command}"))}]";
    }

    /// <summary>One save of the workload, and what storage holds once it has returned.</summary>
    private sealed record Save(string What, Action<FileStorage> Do, Func<State, State> After);

    private static LogEntry E(long term, string command) => new(term, command);

    private static Save Term(long term, int? vote) =>
        new($"SaveTermAndVote({term}, {(vote is { } v ? $"{v}" : "null")})", s => s.SaveTermAndVote(term, vote), st => st with { Term = term, Vote = vote });

    private static Save Log(long from, params LogEntry[] entries) =>
        new($"SaveLog({from}, {entries.Length} entries)", s => s.SaveLog(from, entries), st => st with { Log = [.. st.Log.Take((int)from - 1), .. entries] });

    // A node's life in saves: a vote, entries, a new term, a conflict that replaces entries, a truncation, more entries.
    private static readonly Save[] Workload =
    [
        Term(1, 1),
        Log(1, E(1, "put a 1"), E(1, "put b 2")),
        Term(2, null),
        Term(2, 3),
        Log(3, E(2, "put c ü3")),
        Log(2, E(2, "put b 20"), E(2, "put d 4")),
        Term(3, 3),
        Log(4, E(3, "put e 5")),
        Log(3, []),
        Log(3, E(3, "put f 6")),
    ];

    /// <summary>Runs the workload on a fresh directory over <paramref name="disk"/> until it ends or the disk crashes.</summary>
    private static (State Acknowledged, Save? CutOff) Run(string dir, IDisk disk)
    {
        var acknowledged = new State(0, null, []);
        var storage = new FileStorage(dir, disk: disk);
        try
        {
            storage.Load();
            foreach (var save in Workload)
            {
                try
                {
                    save.Do(storage);
                }
                catch (DiskCrashedException)
                {
                    return (acknowledged, save);
                }
                acknowledged = save.After(acknowledged);
            }
        }
        catch (DiskCrashedException)
        {
            // The crash came while loading: nothing was saved yet.
        }
        // The process is gone: no Dispose, nothing is flushed on the way out.
        return (acknowledged, null);
    }

    private static State Reload(string dir)
    {
        using var storage = new FileStorage(dir);
        var loaded = storage.Load();
        return new State(loaded.CurrentTerm, loaded.VotedFor, loaded.Log);
    }

    private static bool Same(State a, State b) => a.Term == b.Term && a.Vote == b.Vote && a.Log.SequenceEqual(b.Log);

    /// <summary>The steps the whole workload takes on a disk that never crashes.</summary>
    private int StepsOfTheWholeWorkload()
    {
        var disk = new CrashDisk(Path.Combine(_root, "count"));
        var (done, cut) = Run(Path.Combine(_root, "count"), disk);
        cut.ShouldBeNull("Without a crash every save returns.");
        Same(Reload(Path.Combine(_root, "count")), Workload.Aggregate(new State(0, null, []), (s, w) => w.After(s))).ShouldBeTrue(
            $"Without a crash, a restart loads what was saved last ({done}).");
        return disk.Steps;
    }

    [Fact]
    public void FileStorage_does_its_file_operations_through_its_disk()
    {
        var dir = Path.Combine(_root, "through");
        var disk = new CrashDisk(dir);
        var storage = new FileStorage(dir, disk: disk);
        storage.Load();
        var before = disk.Steps;
        storage.SaveTermAndVote(4, 2);
        var termSteps = disk.Steps - before;
        before = disk.Steps;
        storage.SaveLog(1, [E(4, "put x 1")]);
        var logSteps = disk.Steps - before;

        termSteps.ShouldBeGreaterThan(0, "SaveTermAndVote writes through _disk (the IDisk FileStorage was given): the tests crash that disk between any two " +
            "operations, and cannot crash a write that goes around it (TODO(ch05) SaveTermAndVote).");
        logSteps.ShouldBeGreaterThan(0, "SaveLog writes through _disk.");
        disk.PowerCut().ShouldBeEmpty("Every file under the node's directory was written through _disk (TODO(ch05) SaveTermAndVote).");
    }

    [Fact]
    public void A_crash_between_any_two_file_operations_keeps_every_save_that_returned()
    {
        var steps = StepsOfTheWholeWorkload();
        steps.ShouldBeGreaterThanOrEqualTo(Workload.Length * 2, "Each save takes at least a write and a sync.");
        var crashes = 0;
        for (var k = 0; k < steps; k++)
        {
            foreach (var powerCut in new[] { false, true })
            {
                var dir = Path.Combine(_root, $"crash{k}{(powerCut ? "p" : "")}");
                var disk = new CrashDisk(dir);
                disk.CrashAfter(k);
                var (acknowledged, cutOff) = Run(dir, disk);
                disk.Crashed.ShouldBeTrue($"The crash after {k} of {steps} steps happened.");
                var where = $"Crash before step {k + 1} of {steps} ({disk.CrashedBefore}){(powerCut ? ", then a power cut" : "")}, during {cutOff?.What ?? "Load"}.\n" +
                            $"Steps done: {string.Join("; ", disk.History)}";
                if (powerCut)
                {
                    disk.PowerCut().ShouldBeEmpty($"{where}\nEvery file was written through _disk.");
                }

                State loaded;
                try
                {
                    loaded = Reload(dir);
                }
                catch (StorageCorruptException e)
                {
                    throw new ShouldAssertException($"Figure 2: a crash in the middle of a save must leave storage a restart can read, but the restart failed: {e.Message}\n{where}");
                }

                var next = cutOff is null ? acknowledged : cutOff.After(acknowledged);
                (Same(loaded, acknowledged) || Same(loaded, next)).ShouldBeTrue(
                    $"Figure 2, IStableStorage: after the crash a restart finds what the saves that returned left ({acknowledged})" +
                    (cutOff is null ? "" : $", or that with the cut-off {cutOff.What} done whole ({next})") +
                    $", but it found {loaded}. A vote or an entry that was acknowledged is lost, or a save came back half done (TODO(ch05) SaveTermAndVote).\n{where}");

                // And the files still take writes: the next save after the restart comes back too.
                using (var again = new FileStorage(dir))
                {
                    again.Load();
                    again.SaveLog(loaded.Log.Count + 1, [E(9, "put after restart")]);
                }
                Reload(dir).Log.Count.ShouldBe(loaded.Log.Count + 1, $"After the restart a new save follows what was loaded.\n{where}");
                crashes++;
            }
        }
        crashes.ShouldBe(2 * steps, "the workload was crashed before each of its steps, once with a power cut and once without");
    }

    [Fact]
    public void An_acknowledged_save_is_on_the_disk_before_the_storage_is_closed()
    {
        var dir = Path.Combine(_root, "unclosed");

        // A fresh node's first save is of entries (a follower that never voted): then the power goes, the storage still open.
        var disk = new CrashDisk(dir);
        var storage = new FileStorage(dir, disk: disk);
        storage.Load();
        storage.SaveLog(1, [E(5, "put k 1"), E(5, "put k 2")]);
        disk.CrashAfter(0);
        disk.PowerCut().ShouldBeEmpty("Every file was written through _disk.");

        Reload(dir).Log.Count.ShouldBe(2, "Figure 2: SaveLog returned, so both entries are on the disk, the log file's name included, whether or not " +
            "the storage is ever closed: a file's bytes are durable once it is synced, and a new file's name once its directory is.");

        // Then a vote, and the power goes again.
        disk = new CrashDisk(dir);
        storage = new FileStorage(dir, disk: disk);
        storage.Load();
        storage.SaveTermAndVote(5, 2);
        disk.CrashAfter(0);
        disk.PowerCut().ShouldBeEmpty("Every file was written through _disk.");
        var loaded = Reload(dir);

        loaded.Term.ShouldBe(5, "Figure 2: SaveTermAndVote returned, so term 5 is on the disk; closing the storage must not be what makes it durable (TODO(ch05) SaveTermAndVote).");
        loaded.Vote.ShouldBe(2, "Figure 2: SaveTermAndVote returned, so the vote for node 2 is on the disk with its term (TODO(ch05) SaveTermAndVote).");
        loaded.Log.Count.ShouldBe(2, "The entries saved before are still there.");
    }
}
