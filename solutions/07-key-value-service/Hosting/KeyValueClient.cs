// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
using System.Globalization;

namespace Raft;

/// <summary>
/// A client of the key-value service that gets exactly-once writes (Ongaro's thesis §6.3): it registers a session,
/// numbers its writes, and sends each one in its session. <see cref="RaftClient"/> resends a command whose answer was
/// lost as it was, same session and same number, so the state machine applies it once and answers the retry with
/// the first result. Reads need no session: the leader answers them by ReadIndex (thesis §6.4).
/// </summary>
public sealed class KeyValueClient(RaftClient raft) : IAsyncDisposable
{
    private long? _session;
    private long _sequence;

    /// <summary>The session this client writes in, once it has registered one.</summary>
    public long? Session => _session;

    /// <summary>The number of this client's latest write.</summary>
    public long Sequence => _sequence;

    public RaftClient Raft => raft;

    public Task<string> PutAsync(string key, string value, CancellationToken cancellationToken = default) =>
        WriteAsync(KeyValueStore.Put(key, value), cancellationToken);

    /// <summary>Appends <paramref name="value"/> to the key's value; answers the value it made.</summary>
    public Task<string> AppendAsync(string key, string value, CancellationToken cancellationToken = default) =>
        WriteAsync(KeyValueStore.Append(key, value), cancellationToken);

    public Task<string> GetAsync(string key, CancellationToken cancellationToken = default) => raft.GetAsync(key, cancellationToken);

    /// <summary>
    /// Sends <paramref name="command"/> in this client's session, registering one first if it has none. The command gets
    /// the next number; every retry RaftClient makes carries the same one.
    /// </summary>
    /// <exception cref="SessionExpiredException">
    /// The session expired before the command reached the state machine: it was not applied now, but an earlier try of it
    /// may have been, so its outcome is unknown. The next write registers a new session.
    /// </exception>
    public async Task<string> WriteAsync(string command, CancellationToken cancellationToken = default)
    {
        if (_session is null)
        {
            var id = await raft.SubmitAsync(KeyValueStore.RegisterCommand, cancellationToken);
            _session = long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var session)
                ? session
                : throw new InvalidOperationException($"The cluster answered register with '{id}', not a session id.");
            _sequence = 0;
        }
        var sequence = ++_sequence;
        var result = await raft.SubmitAsync(KeyValueStore.InSession(_session.Value, sequence, command), cancellationToken);
        if (result.StartsWith(KeyValueStore.SessionExpiredError, StringComparison.Ordinal))
        {
            var expired = _session.Value;
            _session = null;
            throw new SessionExpiredException($"Session {expired} expired before command {sequence} ({command}) was applied: it may have been applied by an earlier try, or not at all.");
        }
        return result;
    }

    public ValueTask DisposeAsync() => raft.DisposeAsync();
}

/// <summary>A write's session expired: the write's outcome is unknown (see <see cref="KeyValueClient.WriteAsync"/>).</summary>
public sealed class SessionExpiredException(string message) : Exception(message);
