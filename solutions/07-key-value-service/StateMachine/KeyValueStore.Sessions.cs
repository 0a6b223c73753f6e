// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
using System.Globalization;

namespace Raft;

/// <summary>
/// Client sessions (Ongaro's thesis §6.3). A client may send a command again when its answer is lost (the leader
/// crashed after committing it, a connection broke): without sessions an <c>append</c> retried that way is applied
/// twice. So a client registers a session once, numbers its commands, and sends each with its session and number; the
/// state machine remembers, per session, the number and result of the latest command it applied, and answers a repeat
/// with that result instead of applying it again. All of it is state of the state machine, decided by the log: every
/// server applies the same commands in the same order, so every server agrees on every session, including which ones
/// expired.
/// </summary>
public sealed partial class KeyValueStore
{
    /// <summary>The command of the leader's no-op entry (§8): applied, it changes nothing and answers "".</summary>
    public const string NoOp = "noop";

    /// <summary>The command that opens a session; its result is the new session's id.</summary>
    public const string RegisterCommand = "register";

    /// <summary>How the result of a command in an unknown or expired session starts: the command was not applied.</summary>
    public const string SessionExpiredError = "error: session expired";

    /// <summary>What a session remembers (thesis §6.3): its latest command's number and result, and when it was last used.</summary>
    /// <param name="LastSequence">The number of the latest command applied in this session (0 before the first).</param>
    /// <param name="LastResult">That command's result, to answer a repeat of it.</param>
    /// <param name="LastUsed">The log index of the latest entry that used the session: the clock of expiry.</param>
    public sealed record ClientSession(long LastSequence, string LastResult, long LastUsed);

    private readonly Dictionary<long, ClientSession> _sessions = [];

    /// <summary>How many sessions are kept; registering one more expires the least recently used.</summary>
    public int MaxSessions { get; }

    /// <summary>The open sessions by id, for tests and notebooks.</summary>
    public IReadOnlyDictionary<long, ClientSession> Sessions => _sessions;

    /// <summary>A command sent in session <paramref name="clientId"/> as its command number <paramref name="sequence"/>.</summary>
    public static string InSession(long clientId, long sequence, string command) =>
        string.Create(CultureInfo.InvariantCulture, $"session {clientId} {sequence} {command}");

    private string Register(long index)
    {
        // The id is the index of the entry that registered it: unique, and the same on every server.
        _sessions[index] = new ClientSession(0, "", index);
        ExpireSessions();
        return index.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Applies <paramref name="command"/> (put, append or get) at log index <paramref name="index"/> as command
    /// <paramref name="sequence"/> of session <paramref name="clientId"/>, at most once, and returns its result.
    /// </summary>
    private string ApplyInSession(long index, long clientId, long sequence, string command)
    {
        if (!_sessions.TryGetValue(clientId, out var session))
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{SessionExpiredError}: session {clientId} is unknown, or expired (at most {MaxSessions} are kept): register a new one");
        }
        if (sequence == session.LastSequence)
        {
            // A retry of the latest command: its first result, and nothing applied again.
            _sessions[clientId] = session with { LastUsed = index };
            return session.LastResult;
        }
        if (sequence < session.LastSequence)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"error: command {sequence} of session {clientId} is older than its latest, {session.LastSequence}: not applied");
        }
        var result = Execute(index, command);
        _sessions[clientId] = new ClientSession(sequence, result, index);
        return result;
    }

    /// <summary>Keeps at most <see cref="MaxSessions"/> sessions, expiring the least recently used.</summary>
    private void ExpireSessions()
    {
        while (_sessions.Count > MaxSessions)
        {
            var leastRecentlyUsed = _sessions.MinBy(s => s.Value.LastUsed).Key;
            _sessions.Remove(leastRecentlyUsed);
        }
    }

    private sealed record SessionCommand(long ClientId, long Sequence, string Command);

    // "ID SEQ COMMAND": a session id and a command number, both positive, then the command.
    private static SessionCommand? ParseSession(ReadOnlySpan<char> rest)
    {
        var first = rest.IndexOf(' ');
        if (first <= 0)
        {
            return null;
        }
        var afterId = rest[(first + 1)..];
        var second = afterId.IndexOf(' ');
        if (second <= 0
            || !long.TryParse(rest[..first], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0
            || !long.TryParse(afterId[..second], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) || sequence <= 0)
        {
            return null;
        }
        return new SessionCommand(id, sequence, afterId[(second + 1)..].ToString());
    }

    /// <summary>
    /// Why <paramref name="command"/> cannot be applied, or null if it can: checked before a command enters the log,
    /// so a bad one gets a clear error and is never replicated.
    /// </summary>
    public string? Validate(string command)
    {
        if (command.Length == 0)
        {
            return "an empty command";
        }
        foreach (var c in command)
        {
            // One line of text: a control character would also make its JSON longer than the command (\u0001).
            if (char.IsControl(c))
            {
                return $"a command is one line of text, without control characters (found U+{(int)c:X4})";
            }
        }
        var parts = command.Split(' ', 3);
        return parts[0] switch
        {
            "put" or "append" when parts.Length == 3 && parts[1].Length > 0 => null,
            "get" when parts.Length == 2 && parts[1].Length > 0 => null,
            RegisterCommand when parts.Length == 1 => null,
            "session" when ParseSession(command.AsSpan("session ".Length)) is { } inner =>
                inner.Command.Split(' ')[0] is "put" or "append" or "get" && Validate(inner.Command) is null
                    ? null
                    : $"'{Shorten(command)}': a session's command is put KEY VALUE, append KEY VALUE or get KEY",
            "session" => $"'{command}' is not session ID SEQ COMMAND (ID and SEQ whole numbers above 0)",
            NoOp => "noop is the leader's own entry (§8); a client cannot send it",
            _ => $"'{Shorten(command)}' is not put KEY VALUE, append KEY VALUE, get KEY, register or session ID SEQ COMMAND",
        };
    }

    private static string Shorten(string command) => command.Length <= 60 ? command : command[..57] + "...";

    /// <summary>True if <paramref name="command"/> only reads (a get): it can be answered by ReadIndex, without a log entry.</summary>
    public bool IsReadOnly(string command) => command.StartsWith("get ", StringComparison.Ordinal) && command.IndexOf(' ', 4) < 0;

    /// <summary>Answers a read-only command (a get) from the current state, changing nothing.</summary>
    /// <exception cref="ArgumentException"><paramref name="command"/> is not a get.</exception>
    public string Query(string command) =>
        IsReadOnly(command) && command.Length > 4
            ? _values.GetValueOrDefault(command[4..], "")
            : throw new ArgumentException($"Only a get can be answered without the log, not '{Shorten(command)}'.", nameof(command));
}
