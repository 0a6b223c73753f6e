#!/usr/bin/env python3
"""Writes notebooks/*.ipynb from the cells below (maintainers' tool; the .ipynb files are committed).

Run from the repository root: python3 course/make_notebooks.py
Cells stay small and each adds one thing (dotnet/csharp-notebooks' rhythm).
"""
import json, os

META = {
    "kernelspec": {"display_name": ".NET (C#)", "language": "C#", "name": ".net-csharp"},
    "language_info": {"file_extension": ".cs", "mimetype": "text/x-csharp", "name": "C#", "pygments_lexer": "csharp", "version": "13.0"},
    "polyglot_notebook": {"kernelInfo": {"defaultKernelName": "csharp", "items": [{"aliases": [], "name": "csharp"}]}},
}
CODE_META = {"dotnet_interactive": {"language": "csharp"}, "polyglot_notebook": {"kernelName": "csharp"}}

def md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text.strip("\n").splitlines(keepends=True)}

def code(text, expect=None):
    """A code cell; `expect` is text its output must contain when it runs against the reference (the notebook test checks it)."""
    meta = dict(CODE_META)
    if expect:
        meta["raft_expect"] = expect
    return {"cell_type": "code", "execution_count": None, "metadata": meta, "outputs": [],
            "source": text.strip("\n").splitlines(keepends=True)}

def write(name, cells):
    nb = {"cells": cells, "metadata": META, "nbformat": 4, "nbformat_minor": 5}
    for i, c in enumerate(cells):
        c["id"] = f"{name[:2]}-{i:02d}"
    with open(os.path.join("notebooks", name), "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")

# The TODOs each chapter's notebook names: the same list as the stubs and the chapter README, from course/todos.json
# (which tools/chaptergen writes from course/source).
with open(os.path.join("course", "todos.json"), encoding="utf-8") as f:
    TODOS = json.load(f)

def todos(nn, slug):
    """A markdown cell: the chapter's TODOs with what must hold, in the order of the starter's files."""
    rows = "\n".join("| `{}` | `{}` | {} |".format(t["id"], t["file"], t["instruction"].replace("|", "\\|")) for t in TODOS[nn])
    return md(f"""
## Your TODOs

In `chapters/{slug}/`; its `README.md` and the stubs name the same ones. Each says what must hold, not how to write it.

| TODO | file | what must hold |
|---|---|---|
{rows}

`dotnet run --project tools/progress -- watch` runs the gate each time you save; `hint {int(nn)}` gives one hint at a time,
from a nudge to the code.
""")

BUILD = r'''
// Build your chapter and load it. After you change your code: restart the kernel, then run from here again
// (a running kernel keeps the DLL it loaded first).
using System.Diagnostics;
using System.IO;
var chapterDir = Path.GetFullPath("../chapters/{slug}");
var psi = new ProcessStartInfo("dotnet", $"build \"{{chapterDir}}\" -nologo -v quiet") {{ RedirectStandardOutput = true, RedirectStandardError = true }};
using (var build = Process.Start(psi)!)
{{
    var output = build.StandardOutput.ReadToEnd() + build.StandardError.ReadToEnd();
    build.WaitForExit();
    if (build.ExitCode != 0)
    {{
        Console.WriteLine(output);
        throw new Exception("Your chapter does not build yet: fix the errors above, then run this cell again.");
    }}
}}
Console.WriteLine($"Built {{chapterDir}}");
'''

LOAD = r'''
#r "../chapters/{slug}/bin/Debug/net10.0/Raft.Simulation.dll"
#r "../chapters/{slug}/bin/Debug/net10.0/Raft.Ch{nn}.dll"
using System.Threading;
using Raft;
using Raft.Simulation;
'''

# ---------------------------------------------------------------- 00-welcome
write("00-welcome.ipynb", [
    md(r'''
# Welcome: learn Raft by building it

You will build the Raft consensus algorithm in C#, one idea per chapter, following the original
Python asyncio walkthrough: **1** node setup, **2** leader election, **3** log replication,
**4** committing entries, **5** handling failures.

Every chapter has four parts:

| part | where | what you do |
|---|---|---|
| this kind of notebook | `notebooks/NN-*.ipynb` | read the idea, run *your* code on a simulated cluster, look at the timeline |
| a starter | `chapters/NN-*/` | fill in the `// TODO(chNN)` stubs |
| the gate | `tests/NN-*/` | `dotnet test tests/NN-*` until green: then move on |
| a reference | `solutions/NN-*/` | compare when you are done (or stuck) |

The progress tool shows where you stand: `dotnet run --project tools/progress`. While you work, leave
`dotnet run --project tools/progress -- watch` running: each time you save, it runs your chapter's gate and says, a
second later, which TODOs are open and what the first real failure is. Also `check N`, `hint N` (one hint at a time,
from a nudge to the code), `compare N` and `reset N`.
'''),
    md(r'''
## Running these notebooks

* **VS Code + Polyglot Notebooks extension**: open the `.ipynb`, pick the `.NET (C#)` kernel, run cells top to bottom.
  Microsoft deprecated the Polyglot extension and .NET Interactive in 2026; the last builds still work on .NET 10.
* **VS Code or JupyterLab with plain Jupyter**: install the kernel once, then choose `.NET (C#)`:
  ```
  dotnet tool install -g Microsoft.dotnet-interactive --version 1.0.712001
  dotnet interactive jupyter install
  ```
* **No notebook at all**: everything a notebook shows, the gate tests check; failing tests write the same
  timeline picture to `artifacts/failures/`.

**Restart the kernel after you rebuild your chapter.** A running kernel keeps the first version of your DLL it loaded.
'''),
    md(r'''
## From asyncio to C#

The walkthrough runs each node as a few asyncio coroutines. Here the same shape is plain .NET:

| asyncio | C# | note |
|---|---|---|
| `async def loop(): ...` | `async Task LoopAsync(CancellationToken ct)` | a loop runs until its token is cancelled |
| `asyncio.Queue` | `System.Threading.Channels.Channel<T>` | the node's inbox |
| `await asyncio.sleep(t)` | `await Task.Delay(t, time, ct)` | `time` is a `TimeProvider`: the simulator's clock in tests |
| `asyncio.gather(a(), b())` | `await Task.WhenAll(a, b)` | |
| `task.cancel()` | `cts.Cancel()` | |
| `random.uniform(a, b)` | `context.Random` | seeded: the same seed gives the same run |

The next cell runs a tiny producer and consumer, the shape of every node's inbox loop.
'''),
    code(r'''
using System.Threading;
using System.Threading.Channels;

var inbox = Channel.CreateUnbounded<string>();
var time = TimeProvider.System;            // in the course's tests this is the simulator's clock
var stop = new CancellationTokenSource();
var received = new List<string>();

async Task ProducerAsync(CancellationToken ct)
{
    foreach (var word in new[] { "hello", "raft" })
    {
        await inbox.Writer.WriteAsync(word, ct);
        await Task.Delay(TimeSpan.FromMilliseconds(10), time, ct);
    }
    inbox.Writer.Complete();
}

async Task ConsumerAsync(CancellationToken ct)
{
    // The inbox loop's shape: wait for messages, then handle all that are there.
    while (await inbox.Reader.WaitToReadAsync(ct))
        while (inbox.Reader.TryRead(out var word))
            received.Add(word);
}

await Task.WhenAll(ProducerAsync(stop.Token), ConsumerAsync(stop.Token));
received
'''),
    md(r'''
## Why a simulator

Distributed systems fail in rare interleavings. MIT's Raft lab runs its tests in real time, so a failure may
never come back when you look for it. Here every test runs your real async loops on **simulated time**, with one
**seeded** random source for election timeouts and for the network (delay, loss, duplication, reordering,
partitions, crashes). A run depends only on its seed, so a failing test prints the seed and a one-line command
that replays exactly that run, and draws it as a timeline. A run of many simulated seconds takes milliseconds.

Three habits keep your code replayable (the gate checks them):
1. wait with `await Task.Delay(t, _context.Time, ct)`; read the clock with `_context.Time.GetUtcNow()`;
2. draw randomness from `_context.Random`;
3. no `Task.Run`, threads, `ConfigureAwait(false)`, `DateTime.Now` or `new Random()` in node code.

Next: [01-node-setup](01-node-setup.ipynb).
'''),
])

# ---------------------------------------------------------------- 01-node-setup
S = dict(slug="01-node-setup", nn="01")
write("01-node-setup.ipynb", [
    md(r'''
# Chapter 1: Node setup

**You will build** a Raft node's skeleton: its Figure 2 state, an inbox, the loops that drive it, the rule every
server applies to every message, and heartbeats. No elections yet (chapter 2): here we appoint a leader by hand.

**Paper**: §5.1 and Figure 2 of *In Search of an Understandable Consensus Algorithm* (Ongaro and Ousterhout).
'''),
    md(r'''
## The idea

A Raft server is always in one of three roles. Every message carries its sender's **term**, a logical clock
that only goes up. The one rule every server applies to every message, request or reply:

> If RPC request or response contains term T > currentTerm: set currentTerm = T, convert to follower (§5.1).

That rule is how a stale leader finds out it is stale. A leader proves it is alive by sending **heartbeats**,
AppendEntries messages with no entries, more often than any follower's election timeout.

```
              ┌──────────── RaftNode ─────────────┐
 network ───► │ inbox (Channel) ─► inbox loop ─► Dispatch ─► ObserveTerm, then a handler
              │ heartbeat loop:  while leader, every 100 ms ─► AppendEntries to each peer
              │ leader-check loop: no leader heard for 300 ms ─► (chapter 2: start an election)
              └───────────────────────────────────┘
```

Figure 2's state, as properties of `RaftNode`: `CurrentTerm`, `VotedFor` and `Log` (persistent: chapter 5 saves
them), `CommitIndex` and `LastApplied` (volatile). The log is 1-based: the entry at index *i* is `Log[i - 1]`.
'''),
    todos("01", "01-node-setup"),
    md("## Build and load your code\n\nThe first cell builds `chapters/01-node-setup`; the second loads it. A `NotImplementedException` further down names the TODO to write next."),
    code(BUILD.format(**S)),
    code(LOAD.format(**S)),
    md(r'''
## One node, by hand

A node takes everything from the world through its `NodeContext`: its id and peers, a transport, a clock, a
random source, a logger and a disk. With a `RecordingTransport` we can call its handlers directly and read what
it sent, the way the gate's unit tests do.
'''),
    code(r'''
var sent = new RecordingTransport();
var context = new NodeContext(1, new[] { 2, 3 }, sent, TimeProvider.System, new Random(1),
    Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, new SimStorage());
var node = new RaftNode(context);

node.ForceLeader(term: 1);        // no elections before chapter 2: appoint a leader
node.SendHeartbeats();            // your TODO
sent.Sent.Select(s => $"to node {s.To}: {s.Message}")
'''),
    code(r'''
// The universal term rule in action: a reply from a newer term makes the leader step down.
node.Dispatch(new Envelope(From: 2, To: 1, new AppendEntriesReply(Term: 3, Success: false)));
new { node.Role, node.CurrentTerm, node.VotedFor }
'''),
    md(r'''
## A cluster on simulated time

`SimCluster` runs three of your nodes with their real loops, on one thread, on a simulated clock, over a
simulated network whose delays come from the seed. After every step it checks the safety properties of Figure 3
and records what happened; `Timeline` draws it: one lane per node (grey follower, green leader, black crashed),
arrows for messages (dashed: replies), a red cross for a lost message. Hover over an arrow to read the message.
'''),
    code(r'''
var cluster = SimCluster.Create(new SimulationOptions { Seed = 1, NodeCount = 3 }, ctx => new RaftNode(ctx));
cluster.Do(1, n => n.ForceLeader(1));
cluster.RunFor(TimeSpan.FromMilliseconds(650));

display(cluster.LiveNodes.Select(n => new { n.Id, n.Role, n.CurrentTerm, n.LeaderId }));
new Timeline(cluster.Trace).Picture("Node 1 leads term 1 and sends heartbeats")
'''),
    md(r'''
## Experiments

Change a line and run the cell again; each run is the same until you change the seed.

1. **Crash a follower.** Its lane turns black; the leader's heartbeats to it are lost. After the restart it
   follows again as soon as a heartbeat arrives.
2. **A follower from the future.** Give node 2 a higher term before the run. Its first reply tells the leader
   that a newer term exists, and the leader steps down (§5.1).
3. **A lossy network.** Use `Network = NetworkOptions.Unreliable`: 10% of messages lost, some duplicated or late.
'''),
    code(r'''
var crashy = SimCluster.Create(new SimulationOptions { Seed = 2, NodeCount = 3 }, ctx => new RaftNode(ctx));
crashy.Do(1, n => n.ForceLeader(1));
crashy.RunFor(TimeSpan.FromMilliseconds(250));
crashy.Crash(2);
crashy.RunFor(TimeSpan.FromMilliseconds(300));
crashy.Restart(2);
crashy.RunFor(TimeSpan.FromMilliseconds(300));
new Timeline(crashy.Trace).Picture("Node 2 crashes and restarts")
'''),
    code(r'''
var future = SimCluster.Create(new SimulationOptions { Seed = 3, NodeCount = 3 }, ctx => new RaftNode(ctx));
future.Node(2).CurrentTerm = 5;   // node 2 has seen term 5 somewhere
future.Do(1, n => n.ForceLeader(1));
future.RunFor(TimeSpan.FromMilliseconds(400));
display(new { Leader1Role = future.Node(1).Role, Leader1Term = future.Node(1).CurrentTerm });
new Timeline(future.Trace).Picture("A reply from term 5 deposes the leader of term 1")
'''),
    md(r'''
## What if replies skipped the term rule?

Figure 2 says *"If RPC request **or response** contains term T > currentTerm"*. Suppose `Dispatch` applied the rule to
requests only. Predict it: in the run above, what would node 1 do after node 2's first reply?

The next cell wraps your node 1 in a `DeafLeader` that hides the term of every reply it receives (it rewrites it to
its own term), which is what a term rule for requests only amounts to.
'''),
    code(r'''
// NodeWrapper passes everything to your node; this one changes what it receives.
sealed class DeafLeader(RaftNode inner) : NodeWrapper<RaftNode>(inner)
{
    // The mistake: a reply's newer term never reaches the term rule.
    public override void Deliver(Envelope e) => base.Deliver(
        e.Message is AppendEntriesReply r && r.Term > Inner.CurrentTerm ? e with { Message = r with { Term = Inner.CurrentTerm } } : e);
}

var deaf = SimCluster.Create<IRaftNode>(new SimulationOptions { Seed = 3, NodeCount = 3 },
    ctx => ctx.Id == 1 ? new DeafLeader(new RaftNode(ctx)) : new NodeWrapper<RaftNode>(new RaftNode(ctx)));
((NodeWrapper<RaftNode>)deaf.Node(2)).Inner.CurrentTerm = 5;
deaf.Do(() => ((DeafLeader)deaf.Node(1)).Inner.ForceLeader(1));
deaf.RunFor(TimeSpan.FromMilliseconds(400));
var rejected = deaf.Trace.SentOf<AppendEntriesReply>(2).Count(s => !s.Message.Success);
display($"node 1 is still {deaf.Node(1).Role} of term {deaf.Node(1).CurrentTerm}; node 2 rejected its heartbeats {rejected} times");
new Timeline(deaf.Trace).Picture("A leader that never hears the newer term")
''', expect="node 1 is still Leader of term 1"),
    md(r'''
Node 1 goes on leading a term that is over, and every heartbeat is refused: with elections (chapter 2) it would also
keep telling the others it leads, while a real leader of a newer term exists. A stale leader can only learn its term
is over from a message; replies are the ones it is sure to get.
'''),
    md(r'''
## Run the gate

From the repository root:

```
dotnet test tests/01-node-setup
```

or leave `dotnet run --project tools/progress -- watch` running: it runs the same gate every time you save.
Each failing test says which rule broke (with its section of the paper), the seed, the path of a picture like
the ones above, and a command that replays exactly that run. `dotnet run --project tools/progress -- check 1`
explains the failures, grouped by TODO; `hint 1` gives one hint at a time, from a nudge to the code. When the gate is green, compare with
`solutions/01-node-setup` (`compare 1`) and go on to chapter 2, where nodes elect their leader themselves.

Previous: [00-welcome](00-welcome.ipynb)
'''),
])
# ---------------------------------------------------------------- 02-leader-election
S = dict(slug="02-leader-election", nn="02")
write("02-leader-election.ipynb", [
    md(r'''
# Chapter 2: Leader election

**You will build** how Raft servers choose their leader themselves: randomized election timeouts, starting an
election, answering `RequestVote` (one vote per term, only for an up-to-date log), counting votes, and stepping
down. After this chapter, nobody appoints a leader by hand any more.

**Paper**: §5.2 (leader election) and §5.4.1 (election restriction), Figure 2's RequestVote RPC and Rules for Servers.

Chapter 1's code is there, solved.
'''),
    md(r'''
## The idea

A follower that hears nothing from a leader for an **election timeout** becomes a **candidate**: it starts a new
term, votes for itself and asks everyone else for their vote. Each server votes **at most once per term**, first
come, first served, and only for a candidate whose log is **at least as up to date** as its own (§5.4.1: compare
the terms of the last entries first; only if they are equal, the lengths). A candidate that collects votes from a
**majority of the whole cluster** becomes leader and sends heartbeats at once; a candidate that hears from a leader
of its term, or sees a newer term, steps down.

```
 follower ──timeout──► candidate ──majority of votes──► leader
    ▲  ▲                 │  │                              │
    │  └─ leader's AE ───┘  └─timeout: new election        │
    └──────────────── sees a higher term ──────────────────┘
```

Two candidates can split the vote; nobody wins, their timers run out again, and they try again in a new term.
Because each node draws its timeout **at random** (300-600 ms here), one of them usually times out first and wins
before the other even starts.
'''),
    todos("02", "02-leader-election"),
    md("## Build and load your code"),
    code(BUILD.format(**S)),
    code(LOAD.format(**S)),
    md(r'''
## An election by hand

Node 1 of five starts an election. We hand it the replies ourselves and watch it count: two votes are not a
majority of five, three are.
'''),
    code(r'''
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
'''),
    md(r'''
## Five nodes elect a leader

No one is appointed: every node starts as a follower with a random timeout. Watch the first one to time out turn
orange (candidate), the blue vote requests go out, and the green lane begin with its heartbeats.
'''),
    code(r'''
var cluster = SimCluster.Create(new SimulationOptions { Seed = 1, NodeCount = 5 }, ctx => new RaftNode(ctx));
cluster.RunFor(TimeSpan.FromMilliseconds(900));
display(cluster.LiveNodes.Select(n => new { n.Id, n.Role, n.CurrentTerm, n.VotedFor, n.LeaderId }));
new Timeline(cluster.Trace).Picture("Five nodes elect a leader")
'''),
    md(r'''
## Experiments

1. **Crash the leader.** The followers stop hearing heartbeats; the first to time out wins a new term.
2. **Partition 3 | 2.** The side with three nodes elects a leader; the side with two can never collect three
   votes, so its terms keep rising without a leader (§5.2). Heal it and the higher term wins... but look who leads.
3. **Equal timeouts.** Give every node the same timeout and every message the same delay: all nodes time out
   together, vote for themselves, and split the vote forever. That is why the timeouts are random.
'''),
    code(r'''
var crash = SimCluster.Create(new SimulationOptions { Seed = 2, NodeCount = 5 }, ctx => new RaftNode(ctx));
crash.RunUntil(() => crash.LiveNodes.Any(n => n.Role == Role.Leader), TimeSpan.FromSeconds(2));
var first = crash.LiveNodes.Single(n => n.Role == Role.Leader).Id;
crash.RunFor(TimeSpan.FromMilliseconds(200));
crash.Crash(first);
crash.RunFor(TimeSpan.FromMilliseconds(1000));
new Timeline(crash.Trace).Picture($"Leader n{first} crashes; a new one takes over")
'''),
    code(r'''
var split = SimCluster.Create(new SimulationOptions { Seed = 3, NodeCount = 5 }, ctx => new RaftNode(ctx));
split.Network.Partition(new[] { 1, 2, 3 }, new[] { 4, 5 });
split.RunFor(TimeSpan.FromSeconds(2));
split.Network.Heal();
split.RunFor(TimeSpan.FromSeconds(1));
display(split.LiveNodes.Select(n => new { n.Id, n.Role, n.CurrentTerm }));
new Timeline(split.Trace).Picture("Partition {1,2,3} | {4,5}, healed after 2 s")
'''),
    code(r'''
var equal = new RaftOptions { ElectionTimeoutMin = TimeSpan.FromMilliseconds(300), ElectionTimeoutMax = TimeSpan.FromMilliseconds(300) };
var sameDelay = new NetworkOptions { MinDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(5) };
var livelock = SimCluster.Create(new SimulationOptions { Seed = 4, NodeCount = 3, Network = sameDelay }, ctx => new RaftNode(ctx, equal));
livelock.RunFor(TimeSpan.FromSeconds(2));
display(livelock.LiveNodes.Select(n => new { n.Id, n.Role, n.CurrentTerm }));
new Timeline(livelock.Trace).Picture("Equal timeouts: the vote splits every time")
'''),
    md(r'''
## What if a node could vote twice in a term?

Figure 2 lets a node vote once per term: `votedFor` is kept until the term changes. Suppose a node forgot its vote
whenever a new request arrived. Predict it: with five such nodes and two candidates timing out close together,
what can happen?

The next cell wraps your node in a `ForgetfulVoter` that clears `VotedFor` before each RequestVote it receives, runs
seeds until the simulator's Election Safety check fires, and draws that run.
'''),
    code(r'''
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
new Timeline(run.Trace).Picture("Nodes that vote twice in a term")
''', expect="Election Safety: Two leaders in term"),
    md(r'''
Two candidates of the same term each collected a majority, because some node voted for both. Any two majorities of
five share a node; one vote per term is what makes that shared node refuse the second candidate.
'''),
    md(r'''
## Run the gate

```
dotnet test tests/02-leader-election
```

or leave `dotnet run --project tools/progress -- watch` running: it runs the same gate every time you save.

The gate runs chapter 1's tests too. Its scenarios follow MIT 6.5840's election tests, deterministic: an initial
election, a leader that keeps its term while heartbeats arrive, re-election after the leader is cut off, no leader
without a quorum, many elections with random disconnects on seven nodes, a new leader within two seconds of a
crash, elections on an unreliable network, and message economy. Every run checks that no term ever has two leaders.

Previous: [01-node-setup](01-node-setup.ipynb)
'''),
])
# ---------------------------------------------------------------- 03-log-replication
S = dict(slug="03-log-replication", nn="03")
write("03-log-replication.ipynb", [
    md(r'''
# Chapter 3: Log replication

**You will build** how a leader copies its log to the followers: a client submits a command, the leader appends it
and sends it on with `AppendEntries`; a follower accepts entries only after the **consistency check**
(`prevLogIndex`/`prevLogTerm`), deletes entries only at a **real conflict**, and the leader tracks each follower
with **nextIndex** and **matchIndex**, backing up a whole term at a time when a follower's log disagrees.
(Deciding when an entry is *committed* is chapter 4.)

**Paper**: §5.3 and Figure 2's AppendEntries RPC, receiver implementation, and Rules for Servers, Leaders.
'''),
    md(r'''
## The idea

Every AppendEntries names the entry just before the new ones: `prevLogIndex` and `prevLogTerm`. A follower accepts
only if its log holds that entry; by induction, the two logs then agree on everything up to it (**Log Matching**,
§5.3). If the follower says no, the leader backs up `nextIndex` and tries again; when they agree, the follower
deletes whatever conflicts after that point and takes the leader's entries.

```
leader    [1 1 1 4 4 5 5 6 6 6]           nextIndex[f] = 11: AppendEntries(prev = 10, prevTerm = 6, [])
follower  [1 1 1 4 4 4 4]                 no entry at 10 → reject: ConflictIndex = 8
leader                                    nextIndex[f] = 8: AppendEntries(prev = 7, prevTerm = 5, [6 6 6]) ... and so on
```

Three details decide whether a log survives a real network. A heartbeat is checked like any AppendEntries. A late
or duplicated request must never cut off newer entries: delete only at an index whose term differs. And the
follower reports how far the *request* reached (`MatchIndex`), not its own log's length.
'''),
    todos("03", "03-log-replication"),
    md("## Build and load your code"),
    code(BUILD.format(**S)),
    code(LOAD.format(**S)),
    md(r'''
## A follower by hand

Feed a follower AppendEntries and watch its log: a request that matches, a late duplicate that must not truncate
anything, and one whose `prevLogTerm` does not match.
'''),
    code(r'''
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
'''),
    md(r'''
## Figure 7, repaired

The paper's Figure 7 shows the leader of term 8 and six followers whose logs went wrong in every way a log can:
(a) and (b) miss entries, (c) and (d) hold extra entries that were never committed, (e) and (f) both miss entries
and hold extra ones from terms the leader never saw. Before you run the next cell, predict for each: what does the
follower answer to the leader's first AppendEntries (prevLogIndex 10, prevLogTerm 6), and how many round trips does
the fast backup need?

The cell runs *your* leader and *your* follower against each case, message by message, then has the leader take one
new command (index 11, term 8), which is what finally replaces the extra entries of (c) and (d).
'''),
    code(r'''
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
    var leader = NodeWith(1, toFollower, leaderTerms);
    var follower = NodeWith(2, toLeader, terms);
    follower.CurrentTerm = terms.Max();
    leader.ForceLeader(8);
    var before = Terms(follower);
    var firstReply = "";
    var roundTrips = 0;
    void Exchange()
    {
        while (toFollower.Sent.Count > 0 && roundTrips < 20)
        {
            roundTrips++;
            var requests = toFollower.Sent.ToList();
            toFollower.Clear();
            foreach (var (_, m) in requests) follower.Dispatch(new Envelope(1, 2, m));
            var replies = toLeader.Sent.ToList();
            toLeader.Clear();
            if (firstReply == "" && replies[0].Message is AppendEntriesReply r)
                firstReply = r.Success ? $"success, MatchIndex {r.MatchIndex}" : $"reject, ConflictIndex {r.ConflictIndex}, ConflictTerm {r.ConflictTerm}";
            foreach (var (_, m) in replies) leader.Dispatch(new Envelope(2, 1, m));
        }
    }
    leader.SendHeartbeats();
    Exchange();
    var repairTrips = roundTrips;
    var repaired = Terms(follower);
    leader.Submit("new");
    Exchange();
    rows.Add(new { Follower = name, Before = before, FirstReply = firstReply, RoundTripsToRepair = repairTrips, AfterRepair = repaired, AfterNewCommand = Terms(follower), SameAsLeader = follower.Log.SequenceEqual(leader.Log) });
}
display($"leader (term 8): {string.Join(" ", leaderTerms)}");
display(rows);
display(rows.All(r => (bool)r.GetType().GetProperty("SameAsLeader")!.GetValue(r)!) ? "every follower now holds the leader's log" : "some follower still differs from the leader");
''', expect="every follower now holds the leader's log"),
    md(r'''
Look at (f): its entries of terms 2 and 3 come from leaders that never committed them. The first rejection names
term 3 and where it starts (index 7); the leader has no entry of term 3, so it jumps straight there; the next
rejection names term 2, and the leader jumps to index 4, where the logs agree. Three round trips (two rejections, then
the request that succeeds) instead of eight, backing up one entry at a time. And (c) and (d): the
heartbeat succeeds (index 10 matches), so their extra entries stay until the leader writes index 11: only a real
conflict deletes anything.
'''),
    md(r'''
## Three nodes replicate five commands

Thicker green arrows carry entries; thin ones are heartbeats. Each lane's `log N` grows as the entries arrive.
'''),
    code(r'''
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
new Timeline(cluster.Trace).Picture("Five commands replicated")
'''),
    md(r'''
## Experiments

1. **A follower far behind.** Cut a follower off while the leader takes 30 commands, then reconnect it: watch one
   rejection and the catch-up in a few messages (at most 64 entries each).
2. **An old leader's leftovers.** Partition a leader with one follower away from the other three and give it
   commands no majority will ever see; the majority elects a leader and moves on. After healing, the old leader's
   entries are replaced.
3. **A bad network.** Switch to `NetworkOptions.Unreliable` with duplicates and long delays: logs still converge,
   and the simulator's Log Matching check never fires.
'''),
    code(r'''
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
new Timeline(behind.Trace, from: TimeSpan.FromMilliseconds(400)).Picture($"n{away} catches up after a partition")
'''),
    code(r'''
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
new Timeline(stale.Trace).Picture("A minority leader's entries are replaced")
'''),
    md(r'''
## What if a follower skipped the check?

Suppose every follower accepted AppendEntries without comparing `prevLogTerm` with its own entry at `prevLogIndex`.
Predict it: an old leader cut off with one follower writes two entries no majority sees; the majority's new leader
writes two of its own at the same indexes and crashes; the partition heals and a third leader, whose log ends with
those entries, takes one more command. What do the cut-off follower's log and the leader's hold at the end?

The next cell wraps your node in a `CarelessFollower` that rewrites each request's `prevLogTerm` to whatever it
holds, so your check always passes, and lets the simulator's Log Matching check find what happens.
'''),
    code(r'''
// NodeWrapper passes everything to your node; this one changes what it receives.
sealed class CarelessFollower(RaftNode inner) : NodeWrapper<RaftNode>(inner)
{
    // The mistake: make prevLogTerm match whatever this node holds at prevLogIndex.
    public override void Deliver(Envelope e) => base.Deliver(
        e.Message is AppendEntries a && a.PrevLogIndex >= 1 && a.PrevLogIndex <= Inner.Log.Count
            ? e with { Message = a with { PrevLogTerm = Inner.Log[(int)a.PrevLogIndex - 1].Term } }
            : e);
}

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
new Timeline(careless.Trace).Picture("Followers that skip the consistency check")
''', expect="Log Matching: Nodes"),
    md(r'''
The third leader's first heartbeat names index 3 and term 2 (`kept2`). The cut-off follower holds `lost2` of term 1
there, so an honest check says no and the leader backs up. The careless follower says yes, and then appends `after`
on top of `lost1 lost2`: two logs hold the same entry at index 4 (`after`, same term) but differ below it, which Log Matching
(§5.3) forbids and the simulator stops on. That is what the check is for, and why a heartbeat, which carries no
entries, is checked too: it is how a new leader finds where a follower's log went its own way.
'''),
    md(r'''
## Run the gate

```
dotnet test tests/03-log-replication
```

or leave `dotnet run --project tools/progress -- watch` running: it runs the same gate every time you save.

It runs chapters 1 and 2's tests too. Chapter 3's scenarios: logs converge; a crashed follower catches up after a
restart; a new leader's log wins; a cut-off follower catches up; a minority leader's entries are replaced;
concurrent submissions; a follower with 50 conflicting entries is repaired in a few round trips; each command goes
to each follower about once; and lost, duplicated and reordered messages never corrupt a log.

Previous: [02-leader-election](02-leader-election.ipynb)
'''),
])
# ---------------------------------------------------------------- 04-committing-entries
S = dict(slug="04-committing-entries", nn="04")
write("04-committing-entries.ipynb", [
    md(r"""
# Chapter 4: Committing entries

**You will build** the moment an entry becomes permanent, and what happens after: the leader's **commit rule**
(an entry is committed once a majority stores it, but a leader counts replicas only for entries of its *own* term),
the followers' rule for learning how far the log is committed, an **apply loop** that feeds committed commands, in
order and once each, to a key-value store, and `SubmitAsync`, which answers a client only once its command is applied.

**Paper**: §5.3 (committing), §5.4.2 and Figure 8 (why the current-term rule), Figure 2's Rules for Servers.
"""),
    md(r"""
## The idea

An entry is **committed** when the leader that created it has stored it on a majority: from then on every future
leader holds it (§5.4.1's vote rule makes sure of that), so it is safe to apply. Each server then applies committed
entries to its state machine in log order; since they all apply the same commands in the same order, and the state
machine is deterministic, they all reach the same state (State Machine Safety, §5.4.3).

One rule looks odd until you have seen Figure 8: **a leader never commits an entry of an earlier term by counting its
replicas.** Here is the figure, with S1 to S5 and each box holding the term of its entry:

```
      (a)            (b)            (c)              (d)              (e)
S1  [1 2]          [1 2]          [1 2 4]          [1 2 4]          [1 2 4]
S2  [1 2]          [1 2]          [1 2]            [1 3]            [1 2 4]
S3  [1]            [1]            [1 2]            [1 3]            [1 2 4]
S4  [1]            [1]            [1]              [1 3]            [1]
S5  [1]            [1 3]          [1 3]            [1 3]            [1 3]
 S1 leads term 2  S5 leads term 3  S1 leads term 4   S5 wins term 5    or: S1 commits 4
```

In (c) the term-2 entry at index 2 sits on S1, S2 and S3: a majority. If S1 called it committed and applied it,
(d) could still happen: S5, whose last entry is of term 3, wins votes from S2, S3 and S4, and overwrites index 2
everywhere with its term-3 entry. A committed entry would be lost. If instead S1 first gets its *own* term-4 entry
onto a majority (e), then S5 can no longer win, and index 2 is committed along with index 3.

Followers learn the commit point from `leaderCommit` in every AppendEntries, but only up to the last entry that
request vouched for: anything beyond it in their log may be a deposed leader's leftovers.
"""),
    todos("04", "04-committing-entries"),
    md("## Build and load your code"),
    code(BUILD.format(**S)),
    code(LOAD.format(**S)),
    md(r"""
## A leader by hand

A leader of a 3-node cluster takes a client's command. Nothing is committed until a follower acknowledges it; then
the leader's own copy and the follower's make two of three. `SubmitAsync`'s task completes only after the apply.
"""),
    code(r"""
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
""", expect="client answered: True (ok)"),
    md(r"""
## Three nodes commit and apply

`SubmitAsync` on the leader, three times. On the timeline, a dark triangle on a lane marks where that node's
commitIndex rises; a blue dot, where its apply loop applies entries. Followers commit a heartbeat later than the
leader: they learn the commit point from the next AppendEntries.
"""),
    code(r"""
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
new Timeline(cluster.Trace, from: TimeSpan.FromMilliseconds(250)).Picture("Three commands committed and applied")
"""),
    md(r"""
## Figure 8 on your code

The next cell plays Figure 8 on five of your nodes. Election timeouts are a minute long, so nothing happens on its
own: the cell decides who stands for election and when, and network partitions stand in for the crashes (chapter 4
has no disk yet; a cut-off node keeps its memory, as a crashed node with a disk would).

Before running it, predict S1's commitIndex at (c), when the term-2 entry at index 2 is on three of five servers.
"""),
    code(r"""
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
new Timeline(fig8.Trace).Picture("Figure 8 (a) to (c) on your nodes")
""", expect="S1 did not commit index 2"),
    md(r"""
## What if S1 had counted?

Suppose S1's commit rule left out the term test. The next cell plays (a) to (c) again, then does what such a rule
would: it sets S1's commitIndex to 2, so S1 applies `put x 2`. Then (d): S1 is cut off, and S5 stands for term 5.
Predict whether S5 can win, and what the simulator's checks say.
"""),
    code(r"""
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
new Timeline(counted.Trace).Picture("Figure 8 (d) after a count of an old term's replicas")
""", expect="Leader Completeness and State Machine Safety"),
    md(r"""
S5 wins term 5 with the votes of S2, S3 and S4: its last entry is of term 3, later than their term 2, so by §5.4.1
its log is more up to date. It never held `put x 2`, which S1 already applied. The simulator stops at that moment:
a leader lacks a committed entry (Leader Completeness), and S1's state machine would disagree with everyone else's
forever. With the term test, S1 waits for its own term-4 entry to reach a majority (e), and then S5 cannot win.
"""),
    md(r"""
## Experiments

1. **Figure 8 (e).** After `UpToC()`, reconnect S1 with S2 and S3 (`Partition(new[] { 1, 2, 3 }, ...)`) and submit a
   command on S1. When its task completes, cut S1 off and try to elect S5: it cannot get three votes.
2. **No majority, no commit.** In a 5-node cluster, isolate three followers and submit on the leader: the task stays
   incomplete, and so does every commitIndex, until the network heals.
3. **A deposed leader's client.** Partition a leader with one follower away from the other three, submit on it,
   let the majority elect a leader and commit something, then heal. The old leader's task fails with
   `SubmitFailure.LeadershipLost`: it never says "ok" for a command that was overwritten.
"""),
    md(r"""
## Run the gate

```
dotnet test tests/04-committing-entries
```

or leave `dotnet run --project tools/progress -- watch` running.

It runs chapters 1 to 3's tests too. Chapter 4's: the commit rule by hand (majorities of every size from 1 to 7, the
leader's own copy, the current-term rule, never going down), the followers' rule 5 (including a deposed leader's
leftovers), apply in order and once, SubmitAsync's answers and failures, Figure 8 (c), (d) and (e) scripted as
drawn, leader changes that never lose a committed entry, and agreement on an unreliable network. After every step
of every cluster run the simulator checks that every server applies the same command at each index, in order, once.

Previous: [03-log-replication](03-log-replication.ipynb)
"""),
])
# ---------------------------------------------------------------- 05-handling-failures
S = dict(slug="05-handling-failures", nn="05")
write("05-handling-failures.ipynb", [
    md(r"""
# Chapter 5: Handling failures

**You will build** what lets a node crash and come back as the same server: it **saves** currentTerm, votedFor and
its log **before any message leaves**, **restores** them when it starts, and keeps them in **files** that a crash can
cut short but never silently damage. Then your cluster faces everything: crashes of followers, of leaders, of a
majority; partitions that heal; messages lost, duplicated and held back for seconds; followers far behind.

**Paper**: Figure 2 (persistent state, "updated on stable storage before responding to RPCs"), §5.5 (follower and
candidate crashes), §5.6 (timing and availability).
"""),
    md(r"""
## The idea

Figure 2 splits a server's state in two:

| persistent (on disk, survives a crash) | volatile (lost in a crash, rebuilt) |
|---|---|
| currentTerm, votedFor, log[] | commitIndex, lastApplied, role, nextIndex[], matchIndex[] |

Each persistent field is there because some message **promised** something about it. A vote promises not to vote for
anyone else in that term: forget votedFor, and a restarted node may elect a second leader. A success reply promises
that the entries are stored: the leader counts the node toward a majority, so forgetting them can lose a committed
entry. So the rule: **save first, then send**. Your `Send` calls `Persist` before every message, and `Persist`
writes only what changed.

On disk, the log is a **write-ahead log**: records appended and synced, each with a checksum. A crash can cut the last
record short (that write was never acknowledged, so it is dropped on restart); it cannot scramble what was already
synced, so any other damage is reported by file and byte offset, and the node refuses to start rather than guess.
The term and vote are one small record, replaced atomically: write a temporary file, sync it, rename it over the old.
"""),
    todos("05", "05-handling-failures"),
    md("## Build and load your code"),
    code(BUILD.format(**S)),
    code(LOAD.format(**S)),
    md(r"""
## A crash and a restart

Three nodes take commands; the leader crashes; the other two elect a new leader and go on; the old leader restarts
from its storage, as a follower, and catches up. Hatched bars on the timeline are a node that is down. Every message
of the run was checked to leave only after its sender had saved (`RequirePersistBeforeSend`).
"""),
    code(r"""
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
new Timeline(cluster.Trace).Picture("A leader crashes and comes back")
""", expect="from its disk"),
    md(r"""
The restarted node came back with its term, its vote and its log, but with commitIndex 0 and an empty key-value
store: those are volatile. It re-applies its entries from index 1 as the new leader's heartbeats tell it how far
the log is committed, and ends with the same store as the others.

## A partition and its heal

Five nodes; the leader and one follower are cut off from the other three. The minority leader takes a command it can
never commit; the majority elects its own leader and commits. When the partition heals, the old leader sees the
higher term, steps down, and its uncommitted entry is replaced. Its client is told so.
"""),
    code(r"""
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
new Timeline(split.Trace).Picture("A partition, and its heal")
""", expect="lost its leadership"),
    md(r"""
## What if a node forgot what it acknowledged?

Suppose a node's storage kept its term and vote but not its log. The next cell wraps `SimStorage` in a
`ForgetfulStorage` that drops every log write, and plays it out on three nodes with minute-long election timeouts,
so the cell decides who stands for election: n1 leads and commits `put x 1` with n2's acknowledgement while n3 is
cut off; n2 restarts (with nothing); n1 goes away; n3 comes back and stands. Predict what the simulator says.
"""),
    code(r"""
sealed class ForgetfulStorage(SimStorage inner) : IStableStorage
{
    public PersistentState Load() => inner.Load() with { Log = Array.Empty<LogEntry>() };
    public void SaveTermAndVote(long term, int? vote) => inner.SaveTermAndVote(term, vote);
    public void SaveLog(long fromIndex, ReadOnlySpan<LogEntry> entries) { } // the mistake: entries never reach the disk
}
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
new Timeline(amnesia.Trace).Picture("A node that forgot what it acknowledged")
""", expect="Leader Completeness and State Machine Safety"),
    md(r"""
n3 never saw `put x 1`; n2 saw it, acknowledged it, and forgot it. Together they are a majority, so n3 wins, and a
leader now lacks an entry that was committed and applied: the simulator stops on Leader Completeness (§5.4). With
your `Persist`, n2's success reply left only after the entry was on its disk, so n2 would have refused n3 its vote
(§5.4.1: n3's log is less up to date).

## A torn write, found on restart

`FileStorage` in a scratch directory: three entries saved, then a fourth write cut short in the middle, as a crash
would leave it. On restart the torn record is dropped (and logged); the three acknowledged entries are all there.
Then a flipped byte in the middle of the file: that is not what a crash does, and the node refuses to start.
"""),
    code(r"""
using Microsoft.Extensions.Logging;
// Shows what FileStorage logs, as a node's console would.
sealed class NotebookLogger : ILogger
{
    public IDisposable BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel level) => true;
    public void Log<TState>(LogLevel level, EventId id, TState state, Exception error, Func<TState, Exception, string> format) => Console.WriteLine($"FileStorage logs: {format(state, error)}");
}
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
""", expect="is corrupt at byte"),
    md(r"""
## Experiments

1. **A follower far behind.** Crash a follower, submit 500 commands, restart it: it keeps the entries it saved and
   catches up 64 entries per message, committing as it goes.
2. **Crash in the middle of a save.** `cluster.Storage(id).CrashDuringNextSave(keepEntries: 1)` stops that node
   inside its next save, before it can answer. Restart it: nothing it acknowledged is missing.
3. **Figure 8 with crashes.** Crash the leader right after it takes a command, many times over, with
   `NetworkOptions.Unreliable`; then restart everyone and check that every acknowledged command is in the log once.
"""),
    md(r"""
## Run the gate

```
dotnet test tests/05-handling-failures
```

or leave `dotnet run --project tools/progress -- watch` running.

It runs chapters 1 to 4's tests too. Chapter 5's: what is saved before a vote, a success reply, a RequestVote and a
commit; a restart with the saved term, vote and log; saves that write only what changed; the file storage (a restart
loads what was saved; a last write cut at every byte loses nothing acknowledged; a flipped byte anywhere is an error
naming the file and the record; an atomic term-and-vote file; a missing or empty directory is a fresh node); the
whole cluster, a leader, and a majority crashing and restarting; a follower catching up from its disk; crashes in the
middle of saves; a minority leader replaced after a partition; Figure 8 with crashes; agreement and Figure 8 on
unreliable networks with long reordering; churn; and a randomized run over 100 seeds, each followed by a liveness
check. `RAFT_SEEDS=10000` runs that last one over ten thousand seeds (a soak); a failing seed prints the command that
replays it.

Previous: [04-committing-entries](04-committing-entries.ipynb)
"""),
])

# ---------------------------------------------------------------- 06-over-the-wire
S = dict(slug="06-over-the-wire", nn="06")
write("06-over-the-wire.ipynb", [
    md(r"""
# Chapter 6: Over the wire

**You will build** what runs your node on a real network: **frames** that cut TCP's stream of bytes back into
messages, a **link per peer** that never lets a dead peer hold up the node and reconnects with **backoff**, and a
**listener** that serves peers and clients and refuses bad input without falling over. The node itself does not
change: the code that passed chapters 1 to 5 in the simulator runs here on sockets and the real clock.

**Paper**: §5.1 ("if a server does not receive a response in a timely manner, it retries the RPC"; the network may
lose messages), §8 (clients: find the leader, get an answer once the command is applied).
"""),
    md(r"""
## The idea

The walkthrough's `main()` starts every node and runs their loops with `asyncio.gather`. Here each node gets an
**event loop**: one thread that is the synchronization context of everything the node runs, so every `await` in
`RaftNode` resumes on it, exactly as in the simulator, and the node needs no locks. Around it:

| piece | what it does | what must hold |
|---|---|---|
| `Frames` | `[length: 4 bytes][payload]` on a TCP stream | read exactly one frame, however the bytes are split; refuse a length over the limit before allocating; a stream that ends inside a frame is an error, between frames a clean close |
| `MessageCodec` | a message as JSON: `{"from":1,"requestVote":{...}}` (System.Text.Json source generation) | strict: an unknown type or a missing field is an error, never a message with a silent 0 |
| `PeerLink` | this node's one connection to a peer, behind a bounded queue | `Enqueue` never blocks; a peer that is down is retried with growing, jittered pauses |
| `NodeServer` | listener, node, storage, transport | a bad frame closes that connection only, with a logged reason; a client hears "ok" only once its command is applied |
"""),
    todos("06", "06-over-the-wire"),
    md("## Build and load your code"),
    code(BUILD.format(**S)),
    code(LOAD.format(**S) + "using System.IO;\nusing System.Text;\n"),
    md(r"""
## A frame, byte by byte

A RequestVote as the wire carries it: four bytes of length, then the JSON.
"""),
    code(r"""
var frame = Frames.Frame(MessageCodec.Encode(1, new RequestVote(3, 1, 7, 2)));
display($"{frame.Length} bytes: length {Convert.ToHexString(frame, 0, 4)} = {frame.Length - 4}, then {Encoding.UTF8.GetString(frame, 4, frame.Length - 4)}");
""", expect="requestVote"),
    md(r"""
TCP may hand the reader one byte at a time, or two frames in one read. Your `ReadFrame` must not care. Here two
frames arrive in one buffer, and then the stream ends in the middle of a third:
"""),
    code(r"""
var two = Frames.Frame(MessageCodec.Encode(1, new RequestVoteReply(3, true))).Concat(Frames.Frame(MessageCodec.Encode(2, new AppendEntriesReply(3, true, 7)))).ToArray();
var stream = new MemoryStream([.. two, 0, 0, 0, 50, (byte)'{']);
try
{
    while (await Frames.ReadAsync(stream, Frames.DefaultMaxLength, CancellationToken.None) is byte[] payload)
    {
        display(MessageCodec.Decode(payload).Message.ToString());
    }
}
catch (BadFrameException e)
{
    display("refused: " + e.Message);
}
""", expect="refused: the connection closed inside a frame"),
    md(r"""
## A live cluster

Three of your nodes on 127.0.0.1, each with its files in a temporary directory, on the real clock. A client puts
keys; the leader is stopped; the other two elect a new one; the old leader comes back from its files and catches up.
"""),
    code(r"""
var cluster = NodeAddress.OnLoopback(3); // nodes 1 to 3 on 127.0.0.1, each on a free port
var root = Path.Combine(Path.GetTempPath(), "raft-notebook-" + Environment.ProcessId);
var servers = new Dictionary<int, NodeServer>();
async Task StartNode(int id) => servers[id] = await NodeServer.StartAsync(new NodeServerOptions { Id = id, Cluster = cluster, DataDirectory = Path.Combine(root, $"node{id}"), Seed = id });
async Task<NodeStatus[]> Statuses() => await Task.WhenAll(servers.Values.Select(s => s.StatusAsync()));
async Task<int> LeaderAfter(int notThis)
{
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    while (true)
    {
        var leaders = (await Statuses()).Where(s => s.Role == Role.Leader && s.Id != notThis).ToList();
        if (leaders.Count == 1) return leaders[0].Id;
        await Task.Delay(20, timeout.Token);
    }
}
foreach (var address in cluster) await StartNode(address.Id);
var first = await LeaderAfter(0);
display($"node {first} leads");
""", expect="leads"),
    code(r"""
var client = new RaftClient(cluster);
for (var i = 1; i <= 5; i++) await client.PutAsync($"k{i}", $"v{i}");
display($"5 puts acknowledged by node {client.Leader}");
await servers[first].StopAsync();
servers.Remove(first);
var second = await LeaderAfter(first);
await client.PutAsync("k6", "after the failover");
display($"node {first} stopped; node {second} leads now and took k6");
await StartNode(first);
await client.PutAsync("k7", "back");
using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
{
    while ((await Statuses()).Any(s => s.LastApplied < 7)) await Task.Delay(20, wait.Token);
}
display((await Statuses()).Select(s => new { s.Id, s.Role, s.CurrentTerm, s.LogLength, s.CommitIndex, s.LastApplied }));
display(string.Join(", ", await Task.WhenAll(Enumerable.Range(1, 7).Select(async i => $"k{i}={await client.GetAsync($"k{i}")}"))));
""", expect="k6=after the failover"),
    code(r"""
await client.DisposeAsync();
foreach (var s in servers.Values) await s.StopAsync();
Directory.Delete(root, recursive: true);
display("stopped");
""", expect="stopped"),
    md(r"""
## Experiments

1. **Bad input.** Open a `TcpClient` to a node and write `GET / HTTP/1.1`: the node closes that connection, logs why,
   and `BadFrames` counts it; the client above keeps working.
2. **A peer that is down.** Stop a follower and look at `servers[leader].Transport.Links`: its link to the stopped node
   keeps at most `PeerLink.QueueCapacity` frames and counts a new connection when the follower comes back.
3. **The live cluster from a terminal.** `dotnet run --project tools/cluster` runs five nodes, kills the leader,
   restarts it and prints a summary; `-p:Against=chapters` runs your code instead of the reference.
"""),
    md(r"""
## Run the gate

```
dotnet test tests/06-over-the-wire
```

or leave `dotnet run --project tools/progress -- watch` running.

It runs chapters 1 to 5's tests too. Chapter 6's: every message type through a frame; frames split into single
bytes and joined in one read; a clean close; a length over the limit refused before it is read; streams cut inside a
header and inside a payload; sends to a dead peer that return at once with a bounded queue; a dead peer that does not
stall the others; a restarted peer reconnected; backoff that doubles, stops at its limit and carries jitter; a
three-node cluster on loopback that elects a leader and commits; a follower that names the leader; an ok that means
applied; and bad input, one test each (garbage, a truncated frame, a frame over the limit, an unknown message type, a
peer closing mid-frame, a message from outside the cluster), each closing only its connection with a logged reason;
and a port already in use.

Previous: [05-handling-failures](05-handling-failures.ipynb)
"""),
])
print("wrote notebooks 00 to 06")
