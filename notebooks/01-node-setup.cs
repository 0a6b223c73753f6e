// Notebook 01 as a program: `dotnet run notebooks/01-node-setup.cs` from the repository root runs the same experiments as
// notebooks/01-node-setup.ipynb and prints what its cells show; timelines are written to artifacts/notebooks/01-node-setup/.
// It runs your chapter (chapters/01-node-setup); add -p:Against=solutions to run the reference instead.
// Generated from course/notebooks/01-node-setup.md by tools/chaptergen: edit that file, then `dotnet run --project tools/chaptergen -- write`.
#:property NotebookChapter=01-node-setup
#:property Nullable=disable
#:property PublishAot=false
using Raft.Simulation;
using Raft;
using System.Threading;

NotebookRun.Start("01-node-setup", "Node setup");

NotebookRun.Cell(3, "One node, by hand");
var sent = new RecordingTransport();
var context = new NodeContext(1, new[] { 2, 3 }, sent, TimeProvider.System, new Random(1),
    Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, new SimStorage());
var node = new RaftNode(context);

node.ForceLeader(term: 1);        // no elections before chapter 2: appoint a leader
node.SendHeartbeats();            // your TODO
display(sent.Sent.Select(s => $"to node {s.To}: {s.Message}"));

NotebookRun.Cell(4, "One node, by hand");
// The universal term rule in action: a reply from a newer term makes the leader step down.
node.Dispatch(new Envelope(From: 2, To: 1, new AppendEntriesReply(Term: 3, Success: false)));
display(new { node.Role, node.CurrentTerm, node.VotedFor });

NotebookRun.Cell(5, "A cluster on simulated time");
var cluster = SimCluster.Create(new SimulationOptions { Seed = 1, NodeCount = 3 }, ctx => new RaftNode(ctx));
cluster.Do(1, n => n.ForceLeader(1));
cluster.RunFor(TimeSpan.FromMilliseconds(650));

display(cluster.LiveNodes.Select(n => new { n.Id, n.Role, n.CurrentTerm, n.LeaderId }));
display(new Timeline(cluster.Trace).Picture("Node 1 leads term 1 and sends heartbeats"));

NotebookRun.Cell(6, "Experiments");
var crashy = SimCluster.Create(new SimulationOptions { Seed = 2, NodeCount = 3 }, ctx => new RaftNode(ctx));
crashy.Do(1, n => n.ForceLeader(1));
crashy.RunFor(TimeSpan.FromMilliseconds(250));
crashy.Crash(2);
crashy.RunFor(TimeSpan.FromMilliseconds(300));
crashy.Restart(2);
crashy.RunFor(TimeSpan.FromMilliseconds(300));
display(new Timeline(crashy.Trace).Picture("Node 2 crashes and restarts"));

NotebookRun.Cell(7, "Experiments");
var future = SimCluster.Create(new SimulationOptions { Seed = 3, NodeCount = 3 }, ctx => new RaftNode(ctx));
future.Node(2).CurrentTerm = 5;   // node 2 has seen term 5 somewhere
future.Do(1, n => n.ForceLeader(1));
future.RunFor(TimeSpan.FromMilliseconds(400));
display(new { Leader1Role = future.Node(1).Role, Leader1Term = future.Node(1).CurrentTerm });
display(new Timeline(future.Trace).Picture("A reply from term 5 deposes the leader of term 1"));

NotebookRun.Cell(8, "What if replies skipped the term rule?");
var deaf = SimCluster.Create<IRaftNode>(new SimulationOptions { Seed = 3, NodeCount = 3 },
    ctx => ctx.Id == 1 ? new DeafLeader(new RaftNode(ctx)) : new NodeWrapper<RaftNode>(new RaftNode(ctx)));
((NodeWrapper<RaftNode>)deaf.Node(2)).Inner.CurrentTerm = 5;
deaf.Do(() => ((DeafLeader)deaf.Node(1)).Inner.ForceLeader(1));
deaf.RunFor(TimeSpan.FromMilliseconds(400));
var rejected = deaf.Trace.SentOf<AppendEntriesReply>(2).Count(s => !s.Message.Success);
display($"node 1 is still {deaf.Node(1).Role} of term {deaf.Node(1).CurrentTerm}; node 2 rejected its heartbeats {rejected} times");
display(new Timeline(deaf.Trace).Picture("A leader that never hears the newer term"));

NotebookRun.End();

// What a notebook cell shows; in this program, printed (a timeline: written as HTML).
static void display(object value) => NotebookRun.Display(value);

// Types the notebook's cells declare (a program declares them after its statements).
// NodeWrapper passes everything to your node; this one changes what it receives.
sealed class DeafLeader(RaftNode inner) : NodeWrapper<RaftNode>(inner)
{
    // The mistake: a reply's newer term never reaches the term rule.
    public override void Deliver(Envelope e) => base.Deliver(
        e.Message is AppendEntriesReply r && r.Term > Inner.CurrentTerm ? e with { Message = r with { Term = Inner.CurrentTerm } } : e);
}
