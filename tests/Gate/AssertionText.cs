namespace Raft.Gate;

/// <summary>
/// Shouldly writes a failed check as "expression should be X but was Y … Additional Info: sentence". A learner needs the
/// sentence (the rule) first and the values after it, on one line. Compiled into the gates and into the progress tool
/// (tools/Course links this file), so `dotnet test`, `check` and `watch` say it the same way.
/// </summary>
public static class AssertionText
{
    public static string SentenceFirst(string message)
    {
        var lines = message.Replace("\r", "", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()).ToList();
        var info = lines.FindIndex(l => l.Trim() == "Additional Info:");
        var should = lines.FindIndex(l => l.TrimStart().StartsWith("should ", StringComparison.Ordinal) || l.Trim() == "should");
        if (info < 0 || should < 1 || should > info)
        {
            return message;
        }
        var expression = string.Join(' ', lines.Take(should).Select(l => l.Trim()).Where(l => l.Length > 0));
        var rest = lines.Skip(should).Take(info - should).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var butWas = rest.FindIndex(l => l.StartsWith("but ", StringComparison.Ordinal));
        var difference = rest.FindIndex(l => l == "difference");
        var expected = string.Join(' ', rest.Skip(1).Take((butWas < 0 ? rest.Count : butWas) - 1));
        var actual = butWas < 0 ? "" : string.Join(' ', rest.Skip(butWas + 1).Take((difference < 0 ? rest.Count : difference) - butWas - 1));
        var sentence = string.Join('\n', lines.Skip(info + 1).Select(l => l.Trim()).Where(l => l.Length > 0));
        var observed = $"Observed: {expression} {rest[0]} {expected}{(butWas < 0 ? "" : $", but {rest[butWas][4..]} {actual}".TrimEnd())}.";
        return $"{sentence}\n{observed}";
    }
}
