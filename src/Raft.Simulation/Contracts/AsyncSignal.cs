using System.Threading.Tasks.Sources;

namespace Raft;

/// <summary>
/// A wake-up call for one loop: <see cref="Set"/> says "there is work", <see cref="WaitAsync"/> waits until there is.
/// Several <see cref="Set"/> calls before the loop looks count as one. Like everything in a node, it is used from the
/// node's one thread (the simulator's or a host's synchronization context), so it needs no locks: it is the cheap
/// version of a channel of one item, for a signal that fires on every commit.
/// </summary>
public sealed class AsyncSignal : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core;
    private bool _set;
    private bool _waiting;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;

    /// <summary>Wakes the waiting loop, or the next one to wait.</summary>
    public void Set()
    {
        if (!_waiting)
        {
            _set = true;
            return;
        }
        _waiting = false;
        _registration.Dispose();
        _core.SetResult(true);
    }

    /// <summary>Completes when <see cref="Set"/> has been called since the last wait; throws when the token is cancelled.</summary>
    /// <exception cref="InvalidOperationException">Another wait is already pending: one loop waits on a signal.</exception>
    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        if (_set)
        {
            _set = false;
            return ValueTask.CompletedTask;
        }
        if (_waiting)
        {
            throw new InvalidOperationException("Only one loop may wait on an AsyncSignal at a time.");
        }
        _core.Reset();
        _waiting = true;
        _token = cancellationToken;
        _registration = cancellationToken.CanBeCanceled ? cancellationToken.Register(static s => ((AsyncSignal)s!).Cancel(), this) : default;
        return new ValueTask(this, _core.Version);
    }

    private void Cancel()
    {
        if (_waiting)
        {
            _waiting = false;
            _core.SetException(new OperationCanceledException(_token));
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
