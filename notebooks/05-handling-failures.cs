// Notebook 05 as a program: `dotnet run notebooks/05-handling-failures.cs` from the repository root runs the same experiments as
// notebooks/05-handling-failures.ipynb and prints what its cells show; timelines are written to artifacts/notebooks/05-handling-failures/.
// It runs your chapter (chapters/05-handling-failures); add -p:Against=solutions to run the reference instead.
// Generated from course/notebooks/05-handling-failures.md by tools/chaptergen: edit that file, then `dotnet run --project tools/chaptergen -- write`.
#:property NotebookChapter=05-handling-failures
#:property Nullable=disable
#:property PublishAot=false
using Microsoft.Extensions.Logging;
using Raft.Simulation;
using Raft;
using System.Threading;

NotebookRun.Start("05-handling-failures", "Handling failures");

NotebookRun.Cell(3, "A crash and a restart");
var cluster = SimCluster.Create(new SimulationOptions { Seed = 5, NodeCount = 3, RequirePersistBeforeSend = true }, ctx => new RaftNode(ctx));
RaftNode Leader(SimCluster<RaftNode> c) { c.RunUntil(() => c.LiveNodes.Count(n => n.Role == Role.Leader) == 1, TimeSpan.FromSeconds(3)); return c.LiveNodes.Single(n => n.Role == Role.Leader); }
void Put(SimCluster<RaftNode> c, string key, string value) { var l = Leader(c); c.Do(() => l.SubmitAsync(KeyValueStore.Put(key, value))); c.RunFor(TimeSpan.FromMilliseconds(100)); }

Put(cluster, "a", "1"); Put(cluster, "b", "2");
var first = Leader(cluster);
cluster.Crash(first.Id);
cluster.Note($"n{first.Id} crashes");
Put(cluster, "c", "3");
cluster.Restart(first.Id);
cluster.Note($"n{first.Id} restarts from its storage");
display($"restarted n{first.Id}: {cluster.Node(first.Id).Role}, term {cluster.Node(first.Id).CurrentTerm}, {cluster.Node(first.Id).Log.Count} entries from its disk");
Put(cluster, "d", "4");
cluster.RunFor(TimeSpan.FromMilliseconds(300));
display(cluster.LiveNodes.Select(n => new { n.Id, n.Role, n.CurrentTerm, n.CommitIndex, n.LastApplied, Saved = cluster.Storage(n.Id).Log.Count,
    Store = string.Join(" ", ((KeyValueStore)n.StateMachine).Values.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}")) }));
display(new Timeline(cluster.Trace).Picture("A leader crashes and comes back"));

NotebookRun.Cell(4, "A partition and its heal");
var split = SimCluster.Create(new SimulationOptions { Seed = 7, NodeCount = 5, RequirePersistBeforeSend = true }, ctx => new RaftNode(ctx));
var old = Leader(split);
var mate = split.NodeIds.First(id => id != old.Id);
var rest = split.NodeIds.Except(new[] { old.Id, mate }).ToArray();
split.Network.Partition(new[] { old.Id, mate }, rest);
var lost = Task.FromResult("(not submitted)");
split.Do(() => lost = old.SubmitAsync(KeyValueStore.Put("x", "minority")));
split.RunUntil(() => rest.Any(id => split.Node(id).Role == Role.Leader), TimeSpan.FromSeconds(3));
var majority = rest.Select(split.Node).Single(n => n.Role == Role.Leader);
split.Do(() => majority.SubmitAsync(KeyValueStore.Put("x", "majority")));
split.RunFor(TimeSpan.FromMilliseconds(500));
split.Network.Heal();
split.RunFor(TimeSpan.FromSeconds(1));
display($"the minority's client: {(lost.IsFaulted ? lost.Exception!.InnerException!.Message : lost.IsCompleted ? lost.Result : "still waiting")}");
display(split.LiveNodes.Select(n => new { n.Id, n.Role, n.CurrentTerm, x = ((KeyValueStore)n.StateMachine).Values.GetValueOrDefault("x") }));
display(new Timeline(split.Trace).Picture("A partition, and its heal"));

NotebookRun.Cell(5, "What if a node forgot what it acknowledged?");
var slow = new RaftOptions { ElectionTimeoutMin = TimeSpan.FromSeconds(60), ElectionTimeoutMax = TimeSpan.FromSeconds(60) };
var amnesia = SimCluster.Create(new SimulationOptions { Seed = 1, NodeCount = 3 },
    ctx => new RaftNode(ctx with { Storage = new ForgetfulStorage((SimStorage)ctx.Storage) }, slow));
var verdict = "no safety rule broke";
try
{
    amnesia.Network.Isolate(3);
    amnesia.Do(1, n => n.StartElection());
    amnesia.RunFor(TimeSpan.FromMilliseconds(100));
    amnesia.Do(1, n => n.SubmitAsync(KeyValueStore.Put("x", "1")));
    amnesia.RunFor(TimeSpan.FromMilliseconds(300));
    display($"n1 committed up to {amnesia.Node(1).CommitIndex}, with n2's acknowledgement");
    amnesia.Crash(2);
    amnesia.Restart(2);
    amnesia.Note("n2 restarts, and its disk never had the entry");
    amnesia.Network.Isolate(1);
    amnesia.Network.Reconnect(3);
    amnesia.Do(3, n => { n.CurrentTerm = 1; n.StartElection(); });   // n3 stands for term 2
    amnesia.RunFor(TimeSpan.FromMilliseconds(300));
}
catch (SimulationFailedException e)
{
    verdict = $"{e.Rule}: {e.Sentence}";
}
display(verdict);
display(new Timeline(amnesia.Trace).Picture("A node that forgot what it acknowledged"));

NotebookRun.Cell(6, "A torn write, found on restart");
var dir = Path.Combine(Path.GetTempPath(), "raft-notebook-" + Guid.NewGuid().ToString("N"));
using (var disk = new FileStorage(dir))
{
    disk.Load();
    disk.SaveTermAndVote(2, 1);
    disk.SaveLog(1, new[] { new LogEntry(1, "put a 1"), new LogEntry(1, "put b 2"), new LogEntry(2, "put c 3") });
    disk.SaveLog(4, new[] { new LogEntry(2, "put d 4") });
}
var logFile = Path.Combine(dir, "log");
var bytes = File.ReadAllBytes(logFile);
File.WriteAllBytes(logFile, bytes[..^7]);   // the crash: the last record's final 7 bytes never reached the disk
using (var disk = new FileStorage(dir, new NotebookLogger()))
{
    var state = disk.Load();
    display($"after the torn write: term {state.CurrentTerm}, vote {state.VotedFor}, log [{string.Join(", ", state.Log.Select(e => e.Command))}]");
}
var damaged = File.ReadAllBytes(logFile);
damaged[30] ^= 0x10;                         // not a crash: a bit flipped in the middle of the file
File.WriteAllBytes(logFile, damaged);
try
{
    using var disk = new FileStorage(dir);
    disk.Load();
    display("loaded a damaged file without a word");
}
catch (StorageCorruptException e)
{
    display(e.Message);
}
Directory.Delete(dir, recursive: true);

NotebookRun.End();

// What a notebook cell shows; in this program, printed (a timeline: written as HTML).
static void display(object value) => NotebookRun.Display(value);

// Types the notebook's cells declare (a program declares them after its statements).
sealed class ForgetfulStorage(SimStorage inner) : IStableStorage
{
    public PersistentState Load() => inner.Load() with { Log = Array.Empty<LogEntry>() };
    public void SaveTermAndVote(long term, int? vote) => inner.SaveTermAndVote(term, vote);
    public void SaveLog(long fromIndex, ReadOnlySpan<LogEntry> entries) { } // the mistake: entries never reach the disk
}

// Shows what FileStorage logs, as a node's console would.
sealed class NotebookLogger : ILogger
{
    public IDisposable BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel level) => true;
    public void Log<TState>(LogLevel level, EventId id, TState state, Exception error, Func<TState, Exception, string> format) => Console.WriteLine($"FileStorage logs: {format(state, error)}");
}
