namespace Raft.Gate;

/// <summary>
/// Shouldly writes a failed check as "expression should be X but was Y … Additional Info: sentence". A learner needs the
/// sentence (the rule) first and the values after it, on one line. Compiled into the gates and into the progress tool
/// (tools/Course links this file), so `dotnet test`, `check` and `watch` say it the same way.
/// </summary>
public static class AssertionText
{
    /// <summary>
    /// A check that threw instead of failing (a null where the check expected a value, a task that never completed): the
    /// sentence says so and where, so the learner reads what the check was doing, not a bare "Object reference not set".
    /// </summary>
    public static string CheckBroke(Exception e)
    {
        var frame = e.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains(" in ", StringComparison.Ordinal)) ?? "";
        var at = frame.Length > 0 ? frame[(frame.LastIndexOf(" in ", StringComparison.Ordinal) + 4)..] : "(no line known)";
        return $"The check itself broke with a {e.GetType().Name} ({e.Message}) at {at}: your code most likely gave it something it did not " +
               "expect (a null, a task that did not complete, an empty result). The test's name says what it checks; its picture and replay follow.";
    }

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
