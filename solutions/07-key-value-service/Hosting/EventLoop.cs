// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
using System.Collections.Concurrent;

namespace Raft;

/// <summary>
/// One thread that runs a node's loops a step at a time, the way asyncio's event loop runs the walkthrough's
/// coroutines. It is the synchronization context of everything it runs, so every <c>await</c> in
/// <see cref="RaftNode"/> resumes here: the Raft rules never run on two threads at once, exactly as in the simulator,
/// and the node needs no locks. Sockets, timers and clients live on other threads and reach the node only through
/// <see cref="RaftNode.Deliver"/> (a channel) or <see cref="InvokeAsync{T}(Func{T})"/>.
/// </summary>
public sealed class EventLoop : SynchronizationContext, IDisposable
{
    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];
    private readonly Thread _thread;

    public EventLoop(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>A callback that threw (a bug: the node's loops catch what they expect).</summary>
    public event Action<Exception>? Faulted;

    public override void Post(SendOrPostCallback d, object? state)
    {
        try
        {
            _queue.Add((d, state));
        }
        catch (InvalidOperationException)
        {
            // The loop was disposed: the node is gone, and so is whatever was meant to run on it.
        }
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Waiting for the event loop from another thread could deadlock; use InvokeAsync.");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs <paramref name="function"/> on the loop and returns its result.</summary>
    public Task<T> InvokeAsync<T>(Func<T> function)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(_ =>
        {
            try
            {
                done.SetResult(function());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }, null);
        return done.Task;
    }

    /// <summary>Starts <paramref name="function"/> on the loop (its awaits resume there too) and returns its task.</summary>
    public Task<T> InvokeAsync<T>(Func<Task<T>> function) => InvokeAsync<Task<T>>(function).Unwrap();

    /// <summary>Starts <paramref name="function"/> on the loop (its awaits resume there too) and returns its task.</summary>
    public Task InvokeAsync(Func<Task> function) => InvokeAsync<Task>(function).Unwrap();

    private void Run()
    {
        SetSynchronizationContext(this);
        foreach (var (callback, state) in _queue.GetConsumingEnumerable())
        {
            try
            {
                callback(state);
            }
            catch (Exception e)
            {
                Faulted?.Invoke(e);
            }
        }
    }

    /// <summary>Stops taking work and lets the thread finish what is queued.</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
    }
}
