// Notebook 03 as a program: `dotnet run notebooks/03-log-replication.cs` from the repository root runs the same experiments as
// notebooks/03-log-replication.ipynb and prints what its cells show; timelines are written to artifacts/notebooks/03-log-replication/.
// It runs your chapter (chapters/03-log-replication); add -p:Against=solutions to run the reference instead.
// Generated from course/notebooks/03-log-replication.md by tools/chaptergen: edit that file, then `dotnet run --project tools/chaptergen -- write`.
#:property NotebookChapter=03-log-replication
#:property Nullable=disable
#:property PublishAot=false
using Raft.Simulation;
using Raft;
using System.Threading;

NotebookRun.Start("03-log-replication", "Log replication");

NotebookRun.Cell(3, "A follower by hand");
var sent = new RecordingTransport();
var context = new NodeContext(2, new[] { 1, 3 }, sent, TimeProvider.System, new Random(1),
    Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, new SimStorage());
var follower = new RaftNode(context);
string Show() => "[" + string.Join(" ", follower.Log.Select(e => $"{e.Term}:{e.Command}")) + "]";

follower.Dispatch(new Envelope(1, 2, new AppendEntries(1, 1, 0, 0, new[] { new LogEntry(1, "a"), new LogEntry(1, "b") }, 0)));
display($"after a, b:            {Show()}  reply {sent.Sent[^1].Message}");
follower.Dispatch(new Envelope(1, 2, new AppendEntries(1, 1, 0, 0, new[] { new LogEntry(1, "a") }, 0)));
display($"late duplicate of a:   {Show()}  reply {sent.Sent[^1].Message}");
follower.Dispatch(new Envelope(1, 2, new AppendEntries(2, 1, 2, 2, new[] { new LogEntry(2, "c") }, 0)));
display($"prevLogTerm mismatch:  {Show()}  reply {sent.Sent[^1].Message}");

NotebookRun.Cell(4, "Figure 7, repaired");
long[] leaderTerms = { 1, 1, 1, 4, 4, 5, 5, 6, 6, 6 };
var figure7 = new (string Name, long[] Terms)[]
{
    ("a", new long[] { 1, 1, 1, 4, 4, 5, 5, 6, 6 }),
    ("b", new long[] { 1, 1, 1, 4 }),
    ("c", new long[] { 1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6 }),
    ("d", new long[] { 1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7 }),
    ("e", new long[] { 1, 1, 1, 4, 4, 4, 4 }),
    ("f", new long[] { 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3 }),
};
RaftNode NodeWith(int id, RecordingTransport transport, long[] terms)
{
    var node = new RaftNode(new NodeContext(id, new[] { 3 - id }, transport, TimeProvider.System, new Random(id),
        Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, new SimStorage()));
    node.Log.AddRange(terms.Select((t, i) => new LogEntry(t, $"{t}.{i + 1}")));
    return node;
}
string Terms(RaftNode n) => string.Join(" ", n.Log.Select(e => e.Term));

var rows = new List<object>();
foreach (var (name, terms) in figure7)
{
    var toFollower = new RecordingTransport();
    var toLeader = new RecordingTransport();
    var figLeader = NodeWith(1, toFollower, leaderTerms);
    var figFollower = NodeWith(2, toLeader, terms);
    figFollower.CurrentTerm = terms.Max();
    figLeader.ForceLeader(8);
    var before = Terms(figFollower);
    var firstReply = "";
    var roundTrips = 0;
    void Exchange()
    {
        while (toFollower.Sent.Count > 0 && roundTrips < 20)
        {
            roundTrips++;
            var requests = toFollower.Sent.ToList();
            toFollower.Clear();
            foreach (var (_, m) in requests) figFollower.Dispatch(new Envelope(1, 2, m));
            var replies = toLeader.Sent.ToList();
            toLeader.Clear();
            if (firstReply == "" && replies[0].Message is AppendEntriesReply r)
                firstReply = r.Success ? $"success, MatchIndex {r.MatchIndex}" : $"reject, ConflictIndex {r.ConflictIndex}, ConflictTerm {r.ConflictTerm}";
            foreach (var (_, m) in replies) figLeader.Dispatch(new Envelope(2, 1, m));
        }
    }
    figLeader.SendHeartbeats();
    Exchange();
    var repairTrips = roundTrips;
    var repaired = Terms(figFollower);
    figLeader.Submit("new");
    Exchange();
    rows.Add(new { Follower = name, Before = before, FirstReply = firstReply, RoundTripsToRepair = repairTrips, AfterRepair = repaired, AfterNewCommand = Terms(figFollower), SameAsLeader = figFollower.Log.SequenceEqual(figLeader.Log) });
}
display($"leader (term 8): {string.Join(" ", leaderTerms)}");
display(rows);
display(rows.All(r => (bool)r.GetType().GetProperty("SameAsLeader")!.GetValue(r)!) ? "every follower now holds the leader's log" : "some follower still differs from the leader");

NotebookRun.Cell(5, "Three nodes replicate five commands");
var cluster = SimCluster.Create(new SimulationOptions { Seed = 1, NodeCount = 3 }, ctx => new RaftNode(ctx));
cluster.RunUntil(() => cluster.LiveNodes.Any(n => n.Role == Role.Leader), TimeSpan.FromSeconds(2));
var leader = cluster.LiveNodes.Single(n => n.Role == Role.Leader);
for (var i = 1; i <= 5; i++)
{
    cluster.Do(() => leader.Submit($"x={i}"));
    cluster.RunFor(TimeSpan.FromMilliseconds(20));
}
cluster.RunFor(TimeSpan.FromMilliseconds(200));
display(cluster.LiveNodes.Select(n => new { n.Id, n.Role, Log = string.Join(" ", n.Log.Select(e => e.Command)) }));
display(new Timeline(cluster.Trace).Picture("Five commands replicated"));

NotebookRun.Cell(6, "Experiments");
var behind = SimCluster.Create(new SimulationOptions { Seed = 2, NodeCount = 3 }, ctx => new RaftNode(ctx));
behind.RunUntil(() => behind.LiveNodes.Any(n => n.Role == Role.Leader), TimeSpan.FromSeconds(2));
var boss = behind.LiveNodes.Single(n => n.Role == Role.Leader);
var away = behind.NodeIds.First(id => id != boss.Id);
behind.Network.Isolate(away);
behind.Do(() => { for (var i = 1; i <= 30; i++) boss.Submit($"c{i}"); });
behind.RunFor(TimeSpan.FromMilliseconds(300));
behind.Network.Reconnect(away);
behind.RunFor(TimeSpan.FromMilliseconds(300));
display(behind.LiveNodes.Select(n => new { n.Id, n.Role, Entries = n.Log.Count }));
display(new Timeline(behind.Trace, from: TimeSpan.FromMilliseconds(400)).Picture($"n{away} catches up after a partition"));

NotebookRun.Cell(7, "Experiments");
var stale = SimCluster.Create(new SimulationOptions { Seed = 3, NodeCount = 5 }, ctx => new RaftNode(ctx));
stale.RunUntil(() => stale.LiveNodes.Any(n => n.Role == Role.Leader), TimeSpan.FromSeconds(2));
var oldLeader = stale.LiveNodes.Single(n => n.Role == Role.Leader);
var buddy = stale.NodeIds.First(id => id != oldLeader.Id);
var others = stale.NodeIds.Except(new[] { oldLeader.Id, buddy }).ToArray();
stale.Network.Partition(new[] { oldLeader.Id, buddy }, others);
stale.Do(() => { oldLeader.Submit("lost1"); oldLeader.Submit("lost2"); });
stale.RunUntil(() => others.Any(id => stale.Node(id).Role == Role.Leader), TimeSpan.FromSeconds(3));
var newLeader = others.Select(stale.Node).Single(n => n.Role == Role.Leader);
stale.Do(() => newLeader.Submit("kept"));
stale.RunFor(TimeSpan.FromMilliseconds(300));
stale.Network.Heal();
stale.RunFor(TimeSpan.FromMilliseconds(600));
display(stale.LiveNodes.Select(n => new { n.Id, n.Role, n.CurrentTerm, Log = string.Join(" ", n.Log.Select(e => e.Command)) }));
display(new Timeline(stale.Trace).Picture("A minority leader's entries are replaced"));

NotebookRun.Cell(8, "What if a follower skipped the check?");
var careless = SimCluster.Create<IRaftNode>(new SimulationOptions { Seed = 3, NodeCount = 5 }, ctx => new CarelessFollower(new RaftNode(ctx)));
RaftNode Careless(int id) => ((CarelessFollower)careless.Node(id)).Inner;
int LeaderAmong(IEnumerable<int> ids) => ids.Single(id => careless.IsUp(id) && careless.Node(id).Role == Role.Leader);
var verdict = "no safety rule broke";
try
{
    // Everyone holds "base"; then the old leader and one follower are cut off.
    careless.RunUntil(() => careless.LiveNodes.Any(n => n.Role == Role.Leader), TimeSpan.FromSeconds(2));
    var old = LeaderAmong(careless.NodeIds);
    careless.Do(() => Careless(old).Submit("base"));
    careless.RunFor(TimeSpan.FromMilliseconds(300));
    var mate = careless.NodeIds.First(id => id != old);
    var rest = careless.NodeIds.Except(new[] { old, mate }).ToArray();
    careless.Network.Partition(new[] { old, mate }, rest);
    careless.Do(() => { Careless(old).Submit("lost1"); Careless(old).Submit("lost2"); });
    // The majority elects a leader that writes two entries of its own term at the same indexes, then crashes.
    careless.RunUntil(() => rest.Any(id => careless.Node(id).Role == Role.Leader), TimeSpan.FromSeconds(3));
    var second = LeaderAmong(rest);
    careless.Do(() => { Careless(second).Submit("kept1"); Careless(second).Submit("kept2"); });
    careless.RunFor(TimeSpan.FromMilliseconds(300));
    careless.Crash(second);
    // The network heals; a third leader, whose log ends with kept2, starts nextIndex after it for everyone.
    careless.Network.Heal();
    careless.RunFor(TimeSpan.FromSeconds(2));
    var third = LeaderAmong(careless.NodeIds);
    careless.Do(() => Careless(third).Submit("after"));
    careless.RunFor(TimeSpan.FromMilliseconds(300));
}
catch (SimulationFailedException e)
{
    verdict = $"{e.Rule}: {e.Sentence}";
}
display(verdict);
display(careless.LiveNodes.Select(n => new { n.Id, n.Role, n.CurrentTerm, Log = string.Join(" ", n.Log.Select(e => $"{e.Term}:{e.Command}")) }));
display(new Timeline(careless.Trace).Picture("Followers that skip the consistency check"));

NotebookRun.End();

// What a notebook cell shows; in this program, printed (a timeline: written as HTML).
static void display(object value) => NotebookRun.Display(value);

// Types the notebook's cells declare (a program declares them after its statements).
// NodeWrapper passes everything to your node; this one changes what it receives.
sealed class CarelessFollower(RaftNode inner) : NodeWrapper<RaftNode>(inner)
{
    // The mistake: make prevLogTerm match whatever this node holds at prevLogIndex.
    public override void Deliver(Envelope e) => base.Deliver(
        e.Message is AppendEntries a && a.PrevLogIndex >= 1 && a.PrevLogIndex <= Inner.Log.Count
            ? e with { Message = a with { PrevLogTerm = Inner.Log[(int)a.PrevLogIndex - 1].Term } }
            : e);
}
