// Notebook 07 as a program: `dotnet run notebooks/07-key-value-service.cs` from the repository root runs the same experiments as
// notebooks/07-key-value-service.ipynb and prints what its cells show; timelines are written to artifacts/notebooks/07-key-value-service/.
// It runs your chapter (chapters/07-key-value-service); add -p:Against=solutions to run the reference instead.
// Generated from course/notebooks/07-key-value-service.md by tools/chaptergen: edit that file, then `dotnet run --project tools/chaptergen -- write`.
#:property NotebookChapter=07-key-value-service
#:property Nullable=disable
#:property PublishAot=false
using Raft.Simulation.Linearizability;
using Raft.Simulation;
using Raft;
using System.Net.Sockets;
using System.Net;
using System.Threading;

NotebookRun.Start("07-key-value-service", "A key-value service");

NotebookRun.Cell(3, "Helpers for the experiments");
var service = new RaftOptions { NoOpOnElection = true };
SimCluster<RaftNode> Cluster(long seed, RaftOptions options) =>
    SimCluster.Create(new SimulationOptions { Seed = seed, NodeCount = 3, RequirePersistBeforeSend = true }, ctx => new RaftNode(ctx, options));

// Runs until one node of `among` (default: all) leads, and the others among them are in its term.
RaftNode AwaitLeader(SimCluster<RaftNode> c, params int[] among)
{
    var ids = among.Length > 0 ? among : c.NodeIds.ToArray();
    RaftNode Single()
    {
        var live = ids.Where(c.IsUp).Select(c.Node).ToList();
        var leaders = live.Where(n => n.Role == Role.Leader).ToList();
        return leaders.Count == 1 && live.All(n => n.CurrentTerm == leaders[0].CurrentTerm) ? leaders[0] : null;
    }
    if (!c.RunUntil(() => Single() is not null, TimeSpan.FromSeconds(3)))
    {
        throw new Exception($"No leader among n{string.Join(", n", ids)} after 3 s: {string.Join(", ", c.LiveNodes.Select(n => $"n{n.Id} {n.Role} term {n.CurrentTerm}"))}");
    }
    return Single();
}

Task<string> Send(SimCluster<RaftNode> c, RaftNode node, string command)
{
    Task<string> sent = null;
    c.Do(() => sent = node.SubmitAsync(command));
    return sent;
}
Task<string> Read(SimCluster<RaftNode> c, RaftNode node, string key)
{
    Task<string> asked = null;
    c.Do(() => asked = node.ReadAsync(KeyValueStore.Get(key)));
    return asked;
}
// What a client has heard so far: its answer, why it failed, or nothing yet.
string Heard(Task<string> task) =>
    task.IsCompletedSuccessfully ? $"\"{task.Result}\"" : task.IsFaulted ? $"failed: {task.Exception!.InnerException!.Message}" : "no answer yet";
string Commands(RaftNode node) => string.Join(" | ", node.Log.Select(e => $"{e.Term}: {e.Command}"));
string ValueOf(RaftNode node, string key) => ((KeyValueStore)node.StateMachine).Values.GetValueOrDefault(key) ?? "(unset)";
// What the linearizability checker says of a history: for each key, an order of the operations that explains every
// answer the clients saw, or why there is none.
string Checked(HistoryRecorder history) =>
    "The checker: " + string.Join("\n", LinearizabilityChecker.Check(history.History()).Keys.Select(k => k.Explanation));

// What the open TODOs' stand-ins do instead, for the message when an experiment needs one of them.
var standIns = new Dictionary<string, string>
{
    ["Read"] = "ReadAsync still sends a read through the log, as before chapter 7 (an entry per read).",
    ["ReadIndex"] = "ServeReads does nothing yet, so a read ReadAsync queues is never answered.",
    ["NoOp"] = "a new leader appends no no-op, so the entries of earlier terms wait for the next client's command.",
    ["Sessions"] = "a command in a session is applied as if it had none, so a retry is applied again.",
    ["ExpireSessions"] = "sessions never expire, so they pile up for as long as the cluster runs.",
};
void Listen() => TodoStandIn.Begin();
void Needs(params string[] todos)
{
    var ran = TodoStandIn.End();
    var open = todos.Where(ran.Contains).ToList();   // in the order the experiment names them: what it is about first
    if (open.Count > 0)
    {
        throw new NotImplementedException($"TODO(ch07) {open[0]} is still open: {standIns[open[0]]} This experiment needs it" +
            (open.Count > 1 ? $", and {string.Join(", ", open.Skip(1))} too." : "."));
    }
}
// Runs until the client hears back; after 2 s of simulated time, names the open TODO that held it up, if any.
string Answer(SimCluster<RaftNode> c, Task<string> task)
{
    if (!c.RunUntil(() => task.IsCompleted, TimeSpan.FromSeconds(2)))
    {
        Needs(standIns.Keys.ToArray());
        throw new TimeoutException($"No answer within 2 s of simulated time: {string.Join(", ", c.LiveNodes.Select(n => $"n{n.Id} {n.Role} commit {n.CommitIndex} applied {n.LastApplied}"))}");
    }
    return task.GetAwaiter().GetResult();
}

NotebookRun.Cell(4, "A service at work");
Listen();
var kv = Cluster(seed: 1, service);
var boss = AwaitLeader(kv);
kv.RunFor(TimeSpan.FromMilliseconds(150));
display($"n{boss.Id} leads term {boss.CurrentTerm}: log [{Commands(boss)}], commitIndex {boss.CommitIndex}");
var session = long.Parse(Answer(kv, Send(kv, boss, KeyValueStore.RegisterCommand)));
display($"register → {session}: the session's id, the index of its entry");
display($"session {session} 1 append log a → {Answer(kv, Send(kv, boss, KeyValueStore.InSession(session, 1, KeyValueStore.Append("log", "a"))))}");
display($"session {session} 2 append log b → {Answer(kv, Send(kv, boss, KeyValueStore.InSession(session, 2, KeyValueStore.Append("log", "b"))))}");
var entriesBefore = boss.Log.Count;
var got = Answer(kv, Read(kv, boss, "log"));
display($"get log, by ReadIndex → {got}: " + (boss.Log.Count == entriesBefore
    ? "the read added no entry to the log"
    : $"the log grew from {entriesBefore} to {boss.Log.Count} entries for it"));
kv.RunFor(TimeSpan.FromMilliseconds(200));
display(kv.LiveNodes.Select(n => new { n.Id, n.Role, n.CommitIndex, n.LastApplied, Log = Commands(n),
    Sessions = string.Join(", ", ((KeyValueStore)n.StateMachine).Sessions.Select(s => $"{s.Key}: last {s.Value.LastSequence} → {s.Value.LastResult}")) }));
Needs("Read", "ReadIndex", "NoOp", "Sessions");
display(new Timeline(kv.Trace).Picture("A no-op, a session, two appends and a read"));

NotebookRun.Cell(5, "What if a client retried without a session?");
// One client's append, whose first answer is lost; then another client reads x. Returns the cluster, the read, and
// the history of the two clients' operations, timed in milliseconds of simulated time.
(SimCluster<RaftNode> Cluster, string X, HistoryRecorder History) LostAnswer(bool withSession)
{
    var c = Cluster(seed: 3, service);
    var history = new HistoryRecorder(() => (long)c.Now.TotalMilliseconds);
    var first = AwaitLeader(c);
    var command = KeyValueStore.Append("x", "a");
    if (withSession)
    {
        var id = long.Parse(Answer(c, Send(c, first, KeyValueStore.RegisterCommand)));
        command = KeyValueStore.InSession(id, 1, command);
    }
    var append = history.Invoke(1, OperationKind.Append, "x", "a");   // client 1 appends a to x, once
    var attempt = Send(c, first, command);
    var index = first.LastLogIndex();
    c.RunUntil(() => c.LiveNodes.Count(n => n.Log.Count >= index) >= 2, TimeSpan.FromSeconds(1));   // a follower stored it
    c.Crash(first.Id);
    c.Note($"n{first.Id} crashes before it hears that index {index} is stored");
    display($"the client sends '{command}' to n{first.Id}: {Heard(attempt)}");
    var next = AwaitLeader(c);
    c.Note($"the client retries with n{next.Id}");
    display($"it retries with n{next.Id}, the new leader: \"{Answer(c, Send(c, next, command))}\"");
    history.Ok(append);                                               // ... and is told it is done
    var get = history.Invoke(2, OperationKind.Get, "x", null);
    var x = Answer(c, Read(c, next, "x"));
    history.Ok(get, x);
    display($"another client reads x: \"{x}\"");
    display($"n{next.Id}'s log: [{Commands(next)}]");
    c.RunFor(TimeSpan.FromMilliseconds(100));
    return (c, x, history);
}

Listen();
var raw = LostAnswer(withSession: false);
display(Checked(raw.History));
display(new Timeline(raw.Cluster.Trace).Picture("A retried append, without a session"));

NotebookRun.Cell(6, "Exactly once, with a session");
Listen();
var once = LostAnswer(withSession: true);
display(Checked(once.History));
Needs("Sessions", "NoOp", "Read", "ReadIndex");
display(new Timeline(once.Cluster.Trace).Picture("A retried append, in a session"));

NotebookRun.Cell(7, "Sessions expire by the log");
Listen();
var store = new KeyValueStore(maxSessions: 2);
var at = 0L;
string Apply(string command) => store.Apply(++at, command);
var early = long.Parse(Apply(KeyValueStore.RegisterCommand));
var idle = long.Parse(Apply(KeyValueStore.RegisterCommand));
Apply(KeyValueStore.InSession(early, 1, KeyValueStore.Put("a", "1")));
var late = long.Parse(Apply(KeyValueStore.RegisterCommand));
display($"sessions: early {early}, idle {idle}, late {late}; kept: {string.Join(", ", store.Sessions.Keys.Order())}");
display($"idle's next command: {Apply(KeyValueStore.InSession(idle, 1, KeyValueStore.Put("b", "1")))}");
display($"early's next command: {Apply(KeyValueStore.InSession(early, 2, KeyValueStore.Put("a", "2")))}");
Needs("Sessions", "ExpireSessions");

NotebookRun.Cell(8, "What if a new leader appended no no-op?");
// A leader commits put x 1 and answers its client; then it crashes, and another node leads. Returns the cluster, the
// new leader, the index of put x 1, and when the new leader took office.
(SimCluster<RaftNode> Cluster, RaftNode Leader, long Index, TimeSpan Elected) AnsweredThenCrashed(RaftOptions options)
{
    var c = Cluster(seed: 4, options);
    var first = AwaitLeader(c);
    c.RunFor(TimeSpan.FromMilliseconds(200));
    var put = Send(c, first, KeyValueStore.Put("x", "1"));
    var index = first.LastLogIndex();
    Answer(c, put);
    c.Crash(first.Id);
    c.Note($"n{first.Id} answered put x 1 (index {index}) and crashed");
    display($"n{first.Id} told its client {Heard(put)} for put x 1 at index {index}, and crashed; the others had committed up to " +
            string.Join(" and ", c.LiveNodes.Select(n => $"{n.CommitIndex} (n{n.Id})")));
    var next = AwaitLeader(c);
    display($"n{next.Id} leads term {next.CurrentTerm}: log [{Commands(next)}], commitIndex {next.CommitIndex}");
    return (c, next, index, c.Now);
}

Listen();
var bare = AnsweredThenCrashed(new RaftOptions { NoOpOnElection = false });
bare.Cluster.Note($"a client reads x at n{bare.Leader.Id}");
var waiting = Read(bare.Cluster, bare.Leader, "x");
bare.Cluster.RunFor(TimeSpan.FromSeconds(1));
display($"after a second, no write: commitIndex {bare.Leader.CommitIndex}, x on n{bare.Leader.Id} {ValueOf(bare.Leader, "x")}, the read: {Heard(waiting)}");
bare.Cluster.Note("a client writes");
Answer(bare.Cluster, Send(bare.Cluster, bare.Leader, KeyValueStore.Put("y", "2")));
bare.Cluster.RunUntil(() => waiting.IsCompleted, TimeSpan.FromSeconds(1));
bare.Cluster.RunFor(TimeSpan.FromMilliseconds(100));
display($"after put y 2:         commitIndex {bare.Leader.CommitIndex}, x on n{bare.Leader.Id} {ValueOf(bare.Leader, "x")}, the read: {Heard(waiting)}");
Needs("Read", "ReadIndex");
display(new Timeline(bare.Cluster.Trace).Picture("A new leader without a no-op"));

NotebookRun.Cell(9, "With the no-op");
Listen();
var noop = AnsweredThenCrashed(service);
noop.Cluster.Note($"a client reads x at n{noop.Leader.Id}");
var prompt = Read(noop.Cluster, noop.Leader, "x");
noop.Cluster.RunUntil(() => noop.Leader.LastApplied >= noop.Index && prompt.IsCompleted, TimeSpan.FromSeconds(1));
display($"{(noop.Cluster.Now - noop.Elected).TotalMilliseconds:0} ms after it took office, n{noop.Leader.Id} committed its no-op, and with it index {noop.Index}: " +
        $"commitIndex {noop.Leader.CommitIndex}, x on n{noop.Leader.Id} {ValueOf(noop.Leader, "x")}, the read: {Heard(prompt)}");
noop.Cluster.RunFor(TimeSpan.FromMilliseconds(100));
Needs("NoOp", "Read", "ReadIndex");
display(new Timeline(noop.Cluster.Trace).Picture("A new leader commits its no-op"));

NotebookRun.Cell(10, "What if an old leader answered reads on its own?");
// A leader acknowledges put x before and is cut off; the other two elect a leader, which acknowledges put x after.
// Client 1 writes before, client 2 writes after; the history records them in milliseconds of simulated time.
(SimCluster<RaftNode> Cluster, RaftNode Old, RaftNode New, HistoryRecorder History) CutOff()
{
    var c = Cluster(seed: 5, service);
    var history = new HistoryRecorder(() => (long)c.Now.TotalMilliseconds);
    var old = AwaitLeader(c);
    var before = history.Invoke(1, OperationKind.Put, "x", "before");
    display($"n{old.Id} leads term {old.CurrentTerm}; put x before → {Answer(c, Send(c, old, KeyValueStore.Put("x", "before")))}");
    history.Ok(before);
    c.Network.Isolate(old.Id);
    var next = AwaitLeader(c, c.NodeIds.Where(id => id != old.Id).ToArray());
    var after = history.Invoke(2, OperationKind.Put, "x", "after");
    display($"n{old.Id} is cut off; n{next.Id} leads term {next.CurrentTerm}; put x after → {Answer(c, Send(c, next, KeyValueStore.Put("x", "after")))}");
    history.Ok(after);
    c.Note($"n{next.Id} acknowledged put x after");
    return (c, old, next, history);
}
// The mistake: a leader answers a read from its own state machine, without checking it still leads.
string LazyRead(RaftNode node, string key) =>
    node.Role == Role.Leader ? node.StateMachine.Query(KeyValueStore.Get(key)) : throw new InvalidOperationException($"n{node.Id} does not lead");

Listen();
var stale = CutOff();
stale.Cluster.RunFor(TimeSpan.FromMilliseconds(100));
var lazyGet = stale.History.Invoke(3, OperationKind.Get, "x", null);
var lazy = LazyRead(stale.Old, "x");
stale.History.Ok(lazyGet, lazy);
stale.Cluster.Note($"n{stale.Old.Id} answers get x from its own state");
stale.Cluster.RunFor(TimeSpan.FromMilliseconds(100));
display($"n{stale.Old.Id} still believes it leads term {stale.Old.CurrentTerm} and answers get x → \"{lazy}\"" +
        (lazy == "before" ? ": a stale read, after another client was told x = after" : ""));
display(Checked(stale.History));
display(new Timeline(stale.Cluster.Trace).Picture("An old leader answers a read on its own"));

NotebookRun.Cell(11, "ReadIndex on the same old leader");
Listen();
var safe = CutOff();
safe.Cluster.RunFor(TimeSpan.FromMilliseconds(100));
var entries = safe.Old.Log.Count;
safe.Cluster.Note($"a client reads x at n{safe.Old.Id}");
var safeGet = safe.History.Invoke(3, OperationKind.Get, "x", null);   // one get, however many nodes the client asks
var asked = Read(safe.Cluster, safe.Old, "x");
safe.Cluster.RunFor(TimeSpan.FromSeconds(1));
display($"a second later: the read at n{safe.Old.Id}: {Heard(asked)}; it waits for round {safe.Old.ReadRound}, " +
        $"{safe.Old.PendingReads.Count} read(s) pending, log {entries} → {safe.Old.Log.Count} entries");
safe.Cluster.Network.Reconnect(safe.Old.Id);
safe.Cluster.Note($"n{safe.Old.Id} is reconnected");
safe.Cluster.RunUntil(() => asked.IsCompleted, TimeSpan.FromSeconds(2));
display($"reconnected: n{safe.Old.Id} is a {safe.Old.Role} of term {safe.Old.CurrentTerm}, and the read {Heard(asked)}");
var hint = (asked.Exception?.InnerException as SubmitFailedException)?.LeaderHint ?? safe.New.Id;
var fresh = Answer(safe.Cluster, Read(safe.Cluster, safe.Cluster.Node(hint), "x"));
safe.History.Ok(safeGet, fresh);
display($"the client asks n{hint}: get x → \"{fresh}\"");
display(Checked(safe.History));
safe.Cluster.RunFor(TimeSpan.FromMilliseconds(100));
Needs("Read", "ReadIndex");
display(new Timeline(safe.Cluster.Trace).Picture("ReadIndex on a leader cut off from the others"));

NotebookRun.Cell(12, "Commands refused before the log");
var refusing = Cluster(seed: 6, service);
var gatekeeper = AwaitLeader(refusing);
foreach (var command in new[] { "frobnicate x", KeyValueStore.NoOp, "session 2 1 register", "put x", KeyValueStore.Put("x", new string('v', 300_000)), KeyValueStore.Put("x", "1") })
{
    display($"{(command.Length > 30 ? command[..24] + "…" : command),-26} → {gatekeeper.Refusal(command) ?? "accepted"}");
}

NotebookRun.Cell(13, "The cluster key");
var clusterKey = ClusterKey.From("the key of this cluster, 16 characters or more");
var port = new TcpListener(IPAddress.Loopback, 0);
port.Start();
// Node 1 accepts one connection and `caller` speaks on it; returns what each side made of it.
async Task<string> Connect(Func<Stream, Task> caller, string done)
{
    using var dialer = new TcpClient();
    await dialer.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)port.LocalEndpoint).Port);
    using var accepted = await port.AcceptTcpClientAsync();
    var node = clusterKey.AcceptAsync(accepted.GetStream(), 1, Frames.DefaultMaxLength, CancellationToken.None);
    string callerSaw;
    try
    {
        await caller(dialer.GetStream());
        callerSaw = done;
    }
    catch (ClusterKeyException e)
    {
        callerSaw = e.Message;
    }
    dialer.Close();
    string nodeSaw;
    try
    {
        nodeSaw = $"accepted node {await node}";
    }
    catch (ClusterKeyException e)
    {
        nodeSaw = $"refused: {e.Message}";
    }
    return $"\n  the caller: {callerSaw}\n  node 1:     {nodeSaw}";
}
display("node 2, with the key:" + await Connect(s => clusterKey.DialAsync(s, 2, 1, CancellationToken.None), "the node proved it holds the key"));
display("node 2, with another key:" + await Connect(s => ClusterKey.From("another key of sixteen characters")!.DialAsync(s, 2, 1, CancellationToken.None), "the node proved it holds the key"));
display("a stranger's RequestVote of term 1000000:" + await Connect(s => s.WriteAsync(Frames.Frame(MessageCodec.Encode(2, new RequestVote(1_000_000, 2, 0, 0)))).AsTask(), "sent"));
port.Stop();

NotebookRun.End();

// What a notebook cell shows; in this program, printed (a timeline: written as HTML).
static void display(object value) => NotebookRun.Display(value);
