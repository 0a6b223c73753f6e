// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
using System.Globalization;

namespace Raft;

/// <summary>
/// The course's state machine: a map from keys to strings, changed only by the commands of the log.
/// Commands are one line of text: <c>put KEY VALUE</c>, <c>append KEY VALUE</c>, <c>get KEY</c>. A key has no
/// spaces; a value is the rest of the line. <c>put</c> answers <c>ok</c>, <c>append</c> the new value, <c>get</c>
/// the value, or an empty string if the key was never written (as MIT 6.5840's key-value service does).
/// Chapter 7 adds client sessions (Ongaro's thesis §6.3): <c>register</c> opens one (its id is the entry's index), and
/// <c>session ID SEQ COMMAND</c> applies COMMAND at most once per session and sequence number; and the leader's
/// <c>noop</c> entry (§8), which changes nothing.
/// </summary>
public sealed partial class KeyValueStore : IStateMachine
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    // Looks keys up by a slice of the command, so applying a command allocates only what it stores.
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _byKey;

    /// <param name="maxSessions">How many client sessions are kept; past that, the least recently used one expires.</param>
    public KeyValueStore(int maxSessions = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSessions);
        _byKey = _values.GetAlternateLookup<ReadOnlySpan<char>>();
        MaxSessions = maxSessions;
    }

    /// <summary>The index of the last command applied, 0 before the first.</summary>
    public long LastIndex { get; private set; }

    /// <summary>The current values, for tests and notebooks.</summary>
    public IReadOnlyDictionary<string, string> Values => _values;

    public static string Put(string key, string value) => $"put {CheckKey(key)} {value}";

    public static string Append(string key, string value) => $"append {CheckKey(key)} {value}";

    public static string Get(string key) => $"get {CheckKey(key)}";

    public string Apply(long index, string command)
    {
        if (index != LastIndex + 1)
        {
            // Not a bad command but a broken caller: the node skipped or repeated an index.
            throw new InvalidOperationException(
                $"Applied index {index} after index {LastIndex}: entries must be applied in index order, each exactly once (§5.3).");
        }
        LastIndex = index;
        return Execute(index, command);
    }

    private string Execute(long index, string command)
    {
        // "verb key" or "verb key value", where the value is the rest of the line.
        var text = command.AsSpan();
        var verbEnd = text.IndexOf(' ');
        var verb = verbEnd < 0 ? text : text[..verbEnd];
        var rest = verbEnd < 0 ? [] : text[(verbEnd + 1)..];
        var keyEnd = rest.IndexOf(' ');
        var key = keyEnd < 0 ? rest : rest[..keyEnd];
        var value = keyEnd < 0 ? [] : rest[(keyEnd + 1)..];
        switch (verb)
        {
            case "put" when key.Length > 0 && keyEnd >= 0:
                _byKey[key] = value.ToString();
                return "ok";
            case "append" when key.Length > 0 && keyEnd >= 0:
                var appended = _byKey.TryGetValue(key, out var old) ? string.Concat(old, value) : value.ToString();
                _byKey[key] = appended;
                return appended;
            case "get" when key.Length > 0 && keyEnd < 0:
                return _byKey.TryGetValue(key, out var found) ? found : "";
            case NoOp when rest.Length == 0:
                return "";
            case "register" when rest.Length == 0:
                return Register(index);
            case "session" when ParseSession(rest) is { } session:
                return ApplyInSession(index, session.ClientId, session.Sequence, session.Command);
            default:
                // Validate refuses such a command before it reaches the log; one written before chapter 7 may be there.
                return string.Create(CultureInfo.InvariantCulture, $"error: {Validate(command) ?? "not a command"}");
        }
    }

    private static string CheckKey(string key) =>
        key.Length > 0 && !key.Any(char.IsWhiteSpace)
            ? key
            : throw new ArgumentException($"A key is one word without spaces (got \"{key}\").", nameof(key));
}
