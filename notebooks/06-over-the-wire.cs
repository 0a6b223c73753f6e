// Notebook 06 as a program: `dotnet run notebooks/06-over-the-wire.cs` from the repository root runs the same experiments as
// notebooks/06-over-the-wire.ipynb and prints what its cells show; timelines are written to artifacts/notebooks/06-over-the-wire/.
// It runs your chapter (chapters/06-over-the-wire); add -p:Against=solutions to run the reference instead.
// Generated from course/notebooks/06-over-the-wire.md by tools/chaptergen: edit that file, then `dotnet run --project tools/chaptergen -- write`.
#:property NotebookChapter=06-over-the-wire
#:property Nullable=disable
#:property PublishAot=false
using Raft.Simulation;
using Raft;
using System.IO;
using System.Text;
using System.Threading;

NotebookRun.Start("06-over-the-wire", "Over the wire");

NotebookRun.Cell(3, "A frame, byte by byte");
var frame = Frames.Frame(MessageCodec.Encode(1, new RequestVote(3, 1, 7, 2)));
display($"{frame.Length} bytes: length {Convert.ToHexString(frame, 0, 4)} = {frame.Length - 4}, then {Encoding.UTF8.GetString(frame, 4, frame.Length - 4)}");

NotebookRun.Cell(4, "A frame, byte by byte");
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

NotebookRun.Cell(5, "A live cluster");
var cluster = NodeAddress.OnLoopback(3); // nodes 1 to 3 on 127.0.0.1, each on a free port
var root = Path.Combine(Path.GetTempPath(), "raft-notebook-" + Environment.ProcessId);
var servers = new Dictionary<int, NodeServer>();
// What the nodes warn about, kept (a bad frame, say), to show below.
var warnings = new LogCapture(Microsoft.Extensions.Logging.LogLevel.Warning);
async Task StartNode(int id) => servers[id] = await NodeServer.StartAsync(
    new NodeServerOptions { Id = id, Cluster = cluster, DataDirectory = Path.Combine(root, $"node{id}"), Seed = id }, warnings);
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

NotebookRun.Cell(6, "A live cluster");
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

NotebookRun.Cell(7, "A live cluster");
using (var stranger = new System.Net.Sockets.TcpClient())
{
    await stranger.ConnectAsync("127.0.0.1", cluster.First(a => a.Id == second).Port);
    var connection = stranger.GetStream();
    await connection.WriteAsync(System.Text.Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: raft\r\n\r\n"));
    var buffer = new byte[256];
    using var closed = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    while (await connection.ReadAsync(buffer, closed.Token) > 0) { }   // until the node closes it
}
display($"node {second} counted {servers[second].BadFrames} bad frame(s) and logged: {warnings.At(Microsoft.Extensions.Logging.LogLevel.Warning).Last()}");
display($"the client is still served: k1 = {await client.GetAsync("k1")}");

NotebookRun.Cell(8, "A live cluster");
await client.DisposeAsync();
foreach (var s in servers.Values) await s.StopAsync();
Directory.Delete(root, recursive: true);
display("stopped");

NotebookRun.End();

// What a notebook cell shows; in this program, printed (a timeline: written as HTML).
static void display(object value) => NotebookRun.Display(value);
