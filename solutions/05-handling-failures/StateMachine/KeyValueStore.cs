// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
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
        var parts = command.Split(' ', 3);
        return parts switch
        {
            ["put", var key, var value] => Set(key, value, "ok"),
            ["append", var key, var value] => Set(key, _values.GetValueOrDefault(key, "") + value, null),
            ["get", var key] => _values.GetValueOrDefault(key, ""),
            _ => string.Create(CultureInfo.InvariantCulture, $"error: '{command}' is not put KEY VALUE, append KEY VALUE or get KEY"),
        };
    }

    private string Set(string key, string value, string? answer)
    {
        _values[key] = value;
        return answer ?? value;
    }

    private static string CheckKey(string key) =>
        key.Length > 0 && !key.Any(char.IsWhiteSpace)
            ? key
            : throw new ArgumentException($"A key is one word without spaces (got \"{key}\").", nameof(key));
}
