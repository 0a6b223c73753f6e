namespace Raft;

/// <summary>
/// A TODO's stand-in (the code a chapter's starter runs in the TODO's place, so that the earlier chapters' behaviour
/// goes on while the learner writes it) calls <see cref="Ran"/>. A stand-in throws nothing, so without this a test that
/// fails because of it would look like any other failure; with it, the progress tool's report can say which open TODO
/// the test waited on.
/// </summary>
public static class TodoStandIn
{
    private static readonly AsyncLocal<HashSet<string>?> Current = new();

    /// <summary>The stand-in of TODO <paramref name="todo"/> ran (it does nothing unless a test is listening).</summary>
    public static void Ran(string todo)
    {
        if (Current.Value is { } set)
        {
            lock (set)
            {
                set.Add(todo);
            }
        }
    }

    /// <summary>Starts listening, for the test about to run on this thread (and what it awaits).</summary>
    public static void Begin() => Current.Value = [];

    /// <summary>Stops listening; returns the TODOs whose stand-ins ran since <see cref="Begin"/>.</summary>
    public static string[] End()
    {
        var set = Current.Value;
        Current.Value = null;
        if (set is null)
        {
            return [];
        }
        lock (set)
        {
            return [.. set.Order(StringComparer.Ordinal)];
        }
    }
}
