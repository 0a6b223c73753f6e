// Notebook 02 as a program: `dotnet run notebooks/02-leader-election.cs` from the repository root runs the same experiments as
// notebooks/02-leader-election.ipynb and prints what its cells show; timelines are written to artifacts/notebooks/02-leader-election/.
// It runs your chapter (chapters/02-leader-election); add -p:Against=solutions to run the reference instead.
// Generated from course/notebooks/02-leader-election.md by tools/chaptergen: edit that file, then `dotnet run --project tools/chaptergen -- write`.
#:property NotebookChapter=02-leader-election
#:property Nullable=disable
#:property PublishAot=false
using Raft.Simulation;
using Raft;
using System.Threading;

NotebookRun.Start("02-leader-election", "Leader election");

NotebookRun.Cell(3, "An election by hand");
var sent = new RecordingTransport();
var context = new NodeContext(1, new[] { 2, 3, 4, 5 }, sent, TimeProvider.System, new Random(1),
    Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, new SimStorage());
var candidate = new RaftNode(context);

candidate.StartElection();
display(sent.SentOf<RequestVote>().Select(s => $"to node {s.To}: {s.Message}"));

candidate.Dispatch(new Envelope(2, 1, new RequestVoteReply(1, VoteGranted: true)));
display($"after node 2's vote: {candidate.Role}");
candidate.Dispatch(new Envelope(3, 1, new RequestVoteReply(1, VoteGranted: true)));
display($"after node 3's vote: {candidate.Role}");

NotebookRun.Cell(4, "Five nodes elect a leader");
var cluster = SimCluster.Create(new SimulationOptions { Seed = 1, NodeCount = 5 }, ctx => new RaftNode(ctx));
cluster.RunFor(TimeSpan.FromMilliseconds(900));
display(cluster.LiveNodes.Select(n => new { n.Id, n.Role, n.CurrentTerm, n.VotedFor, n.LeaderId }));
display(new Timeline(cluster.Trace).Picture("Five nodes elect a leader"));

NotebookRun.Cell(5, "Experiments");
var crash = SimCluster.Create(new SimulationOptions { Seed = 2, NodeCount = 5 }, ctx => new RaftNode(ctx));
crash.RunUntil(() => crash.LiveNodes.Any(n => n.Role == Role.Leader), TimeSpan.FromSeconds(2));
var first = crash.LiveNodes.Single(n => n.Role == Role.Leader).Id;
crash.RunFor(TimeSpan.FromMilliseconds(200));
crash.Crash(first);
crash.RunFor(TimeSpan.FromMilliseconds(1000));
display(new Timeline(crash.Trace).Picture($"Leader n{first} crashes; a new one takes over"));

NotebookRun.Cell(6, "Experiments");
var split = SimCluster.Create(new SimulationOptions { Seed = 3, NodeCount = 5 }, ctx => new RaftNode(ctx));
split.Network.Partition(new[] { 1, 2, 3 }, new[] { 4, 5 });
split.RunFor(TimeSpan.FromSeconds(2));
split.Network.Heal();
split.RunFor(TimeSpan.FromSeconds(1));
display(split.LiveNodes.Select(n => new { n.Id, n.Role, n.CurrentTerm }));
display(new Timeline(split.Trace).Picture("Partition {1,2,3} | {4,5}, healed after 2 s"));

NotebookRun.Cell(7, "Experiments");
var equal = new RaftOptions { ElectionTimeoutMin = TimeSpan.FromMilliseconds(300), ElectionTimeoutMax = TimeSpan.FromMilliseconds(300) };
var sameDelay = new NetworkOptions { MinDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(5) };
var livelock = SimCluster.Create(new SimulationOptions { Seed = 4, NodeCount = 3, Network = sameDelay }, ctx => new RaftNode(ctx, equal));
livelock.RunFor(TimeSpan.FromSeconds(2));
display(livelock.LiveNodes.Select(n => new { n.Id, n.Role, n.CurrentTerm }));
display(new Timeline(livelock.Trace).Picture("Equal timeouts: the vote splits every time"));

NotebookRun.Cell(8, "What if a node could vote twice in a term?");
var found = "no seed up to 200 broke a rule";
var run = SimCluster.Create<IRaftNode>(new SimulationOptions { Seed = 1, NodeCount = 5 }, ctx => new ForgetfulVoter(new RaftNode(ctx)));
for (var seed = 1; seed <= 200; seed++)
{
    run = SimCluster.Create<IRaftNode>(new SimulationOptions { Seed = seed, NodeCount = 5 }, ctx => new ForgetfulVoter(new RaftNode(ctx)));
    try
    {
        run.RunFor(TimeSpan.FromSeconds(5));
    }
    catch (SimulationFailedException e)
    {
        found = $"seed {seed}: {e.Rule}: {e.Sentence}";
        break;
    }
}
display(found);
display(new Timeline(run.Trace).Picture("Nodes that vote twice in a term"));

NotebookRun.End();

// What a notebook cell shows; in this program, printed (a timeline: written as HTML).
static void display(object value) => NotebookRun.Display(value);

// Types the notebook's cells declare (a program declares them after its statements).
// NodeWrapper passes everything to your node; this one changes it before each vote request.
sealed class ForgetfulVoter(RaftNode inner) : NodeWrapper<RaftNode>(inner)
{
    // The mistake: forget this term's vote whenever another candidate asks.
    public override void Deliver(Envelope e)
    {
        if (e.Message is RequestVote r && r.Term == Inner.CurrentTerm && r.CandidateId != Inner.Id) Inner.VotedFor = null;
        base.Deliver(e);
    }
}
