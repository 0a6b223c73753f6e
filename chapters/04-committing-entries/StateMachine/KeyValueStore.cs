using System.Globalization;

namespace Raft;

/// <summary>
/// The course's state machine: a map from keys to strings, changed only by the commands of the log.
/// Commands are one line of text: <c>put KEY VALUE</c>, <c>append KEY VALUE</c>, <c>get KEY</c>. A key has no
/// spaces; a value is the rest of the line. <c>put</c> answers <c>ok</c>, <c>append</c> the new value, <c>get</c>
/// the value, or an empty string if the key was never written (as MIT 6.5840's key-value service does).
/// </summary>
public sealed class KeyValueStore : IStateMachine
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    // Looks keys up by a slice of the command, so applying a command allocates only what it stores.
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _byKey;

    public KeyValueStore() => _byKey = _values.GetAlternateLookup<ReadOnlySpan<char>>();

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
        return Execute(command);
    }

    private string Execute(string command)
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
            default:
                return string.Create(CultureInfo.InvariantCulture, $"error: '{command}' is not put KEY VALUE, append KEY VALUE or get KEY");
        }
    }

    private static string CheckKey(string key) =>
        key.Length > 0 && !key.Any(char.IsWhiteSpace)
            ? key
            : throw new ArgumentException($"A key is one word without spaces (got \"{key}\").", nameof(key));
}
