// Notebook 00 as a program: `dotnet run notebooks/00-welcome.cs` from the repository root runs the same experiments as
// notebooks/00-welcome.ipynb and prints what its cells show; timelines are written to artifacts/notebooks/00-welcome/.
// Generated from course/notebooks/00-welcome.md by tools/chaptergen: edit that file, then `dotnet run --project tools/chaptergen -- write`.
#:property NotebookChapter=
#:property Nullable=disable
#:property PublishAot=false
using Raft.Simulation;
using Raft;
using System.Threading.Channels;
using System.Threading;

NotebookRun.Start("00-welcome", "Welcome: learn Raft by building it");

NotebookRun.Cell(1, "From asyncio to C#");
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
display(received);

NotebookRun.End();

// What a notebook cell shows; in this program, printed (a timeline: written as HTML).
static void display(object value) => NotebookRun.Display(value);
