// Notebook 04 as a program: `dotnet run notebooks/04-committing-entries.cs` from the repository root runs the same experiments as
// notebooks/04-committing-entries.ipynb and prints what its cells show; timelines are written to artifacts/notebooks/04-committing-entries/.
// It runs your chapter (chapters/04-committing-entries); add -p:Against=solutions to run the reference instead.
// Generated from course/notebooks/04-committing-entries.md by tools/chaptergen: edit that file, then `dotnet run --project tools/chaptergen -- write`.
#:property NotebookChapter=04-committing-entries
#:property Nullable=disable
#:property PublishAot=false
using Raft.Simulation;
using Raft;
using System.Threading;

NotebookRun.Start("04-committing-entries", "Committing entries");

NotebookRun.Cell(3, "A leader by hand");
var sent = new RecordingTransport();
var context = new NodeContext(1, new[] { 2, 3 }, sent, TimeProvider.System, new Random(1),
    Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, new SimStorage());
var leader = new RaftNode(context);
leader.ForceLeader(1);

var put = leader.SubmitAsync(KeyValueStore.Put("x", "42"));
leader.ApplyCommitted();
display($"appended:      log {leader.Log.Count}, commitIndex {leader.CommitIndex}, lastApplied {leader.LastApplied}, client answered: {put.IsCompleted}");
leader.Dispatch(new Envelope(2, 1, new AppendEntriesReply(1, Success: true, MatchIndex: 1)));
leader.ApplyCommitted();
display($"node 2 has it: log {leader.Log.Count}, commitIndex {leader.CommitIndex}, lastApplied {leader.LastApplied}, client answered: {put.IsCompleted} ({(put.IsCompletedSuccessfully ? put.Result : "-")})");

NotebookRun.Cell(4, "Three nodes commit and apply");
var cluster = SimCluster.Create(new SimulationOptions { Seed = 1, NodeCount = 3 }, ctx => new RaftNode(ctx));
cluster.RunUntil(() => cluster.LiveNodes.Any(n => n.Role == Role.Leader), TimeSpan.FromSeconds(2));
var boss = cluster.LiveNodes.Single(n => n.Role == Role.Leader);
var answers = new List<Task<string>>();
foreach (var command in new[] { KeyValueStore.Put("x", "1"), KeyValueStore.Append("x", "2"), KeyValueStore.Get("x") })
{
    cluster.Do(() => answers.Add(boss.SubmitAsync(command)));
    cluster.RunFor(TimeSpan.FromMilliseconds(40));
}
cluster.RunFor(TimeSpan.FromMilliseconds(250));
display(answers.Select(t => t.IsCompletedSuccessfully ? t.Result : "(no answer)"));
display(cluster.LiveNodes.Select(n => new { n.Id, n.Role, n.CommitIndex, n.LastApplied, x = ((KeyValueStore)n.StateMachine).Values.GetValueOrDefault("x") }));
display(new Timeline(cluster.Trace, from: TimeSpan.FromMilliseconds(250)).Picture("Three commands committed and applied"));

NotebookRun.Cell(5, "Figure 8 on your code");
var scripted = new RaftOptions { ElectionTimeoutMin = TimeSpan.FromSeconds(60), ElectionTimeoutMax = TimeSpan.FromSeconds(60) };
SimCluster<RaftNode> Figure8(long seed) => SimCluster.Create(new SimulationOptions { Seed = seed, NodeCount = 5 }, ctx => new RaftNode(ctx, scripted));
void Elect(SimCluster<RaftNode> c, int id, long term)
{
    c.Do(id, n => { n.CurrentTerm = term - 1; n.StartElection(); });
    c.RunUntil(() => c.Node(id).Role == Role.Leader, TimeSpan.FromSeconds(1));
    c.Note($"S{id} leads term {c.Node(id).CurrentTerm}");
}
string Logs(SimCluster<RaftNode> c) => string.Join("   ", c.LiveNodes.Select(n => $"S{n.Id} [{string.Join(" ", n.Log.Select(e => e.Term))}] commit {n.CommitIndex}"));

// Plays (a) to (c), and returns the cluster.
SimCluster<RaftNode> UpToC()
{
    var c = Figure8(1);
    c.Start();
    Elect(c, 1, 1);
    c.Do(1, n => n.Submit(KeyValueStore.Put("x", "1")));
    c.RunFor(TimeSpan.FromMilliseconds(300));                   // index 1 (term 1) everywhere, committed
    Elect(c, 1, 2);                                             // (a)
    c.Network.Partition(new[] { 1, 2 }, new[] { 3, 4, 5 });
    c.Do(1, n => n.Submit(KeyValueStore.Put("x", "2")));
    c.RunFor(TimeSpan.FromMilliseconds(100));
    c.Network.Partition(new[] { 1 }, new[] { 2 }, new[] { 3, 4, 5 }); // (b): S1 "crashes"
    Elect(c, 5, 3);
    c.Network.Partition(new[] { 1 }, new[] { 2 }, new[] { 3, 4 }, new[] { 5 });
    c.Do(5, n => n.Submit(KeyValueStore.Put("x", "3")));
    c.RunFor(TimeSpan.FromMilliseconds(100));
    c.Network.Partition(new[] { 1, 2, 3 }, new[] { 4 }, new[] { 5 }); // (c): S5 "crashes", S1 is back
    Elect(c, 1, 4);
    c.RunFor(TimeSpan.FromMilliseconds(500));
    return c;
}
var fig8 = UpToC();
display($"(c)  {Logs(fig8)}");
display(fig8.Node(1).CommitIndex == 1
    ? "S1 did not commit index 2: it is of term 2, and S1 leads term 4"
    : $"S1 committed up to {fig8.Node(1).CommitIndex}: an entry of an earlier term, committed by counting replicas");
display(new Timeline(fig8.Trace).Picture("Figure 8 (a) to (c) on your nodes"));

NotebookRun.Cell(6, "What if S1 had counted?");
var counted = UpToC();
counted.Do(1, n => n.CommitIndex = 2);   // the mistake: index 2 is on a majority, so "committed"
counted.RunFor(TimeSpan.FromMilliseconds(50));
var verdict = "no safety rule broke";
try
{
    counted.Network.Partition(new[] { 1 }, new[] { 2, 3, 4, 5 });   // (d): S1 "crashes"
    Elect(counted, 5, 5);
    counted.Do(5, n => n.Submit(KeyValueStore.Put("x", "5")));
    counted.RunFor(TimeSpan.FromMilliseconds(300));
}
catch (SimulationFailedException e)
{
    verdict = $"{e.Rule}: {e.Sentence}";
}
display(verdict);
display($"S1 applied x = {((KeyValueStore)counted.Node(1).StateMachine).Values["x"]}; S5's log: [{string.Join(" ", counted.Node(5).Log.Select(e => e.Command))}]");
display(new Timeline(counted.Trace).Picture("Figure 8 (d) after a count of an old term's replicas"));

NotebookRun.End();

// What a notebook cell shows; in this program, printed (a timeline: written as HTML).
static void display(object value) => NotebookRun.Display(value);
