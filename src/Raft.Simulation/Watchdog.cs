namespace Raft.Simulation;

/// <summary>
/// Ends the process with a sentence when one step of a run has been running for a long wall-clock
/// time. A step is synchronous node code between two awaits; if it never returns (a loop that spins
/// without awaiting, or awaits something already complete, such as <c>Task.Delay</c> of less than a
/// millisecond), nothing inside the simulation can stop it, and a test would otherwise hang silently.
/// </summary>
internal static class Watchdog
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private static readonly object Gate = new();
    private static readonly TimeSpan Every = Limit / 4;
    private static readonly List<Watched> All = [];
    private static Timer? _timer;

    /// <summary>A scheduler, and the step it was in at the last checks.</summary>
    private sealed class Watched(SimulationScheduler scheduler)
    {
        public readonly WeakReference<SimulationScheduler> Scheduler = new(scheduler);
        public long Mark = -1;
        public int Checks;
    }

    public static void Watch(SimulationScheduler scheduler)
    {
        lock (Gate)
        {
            All.RemoveAll(w => !w.Scheduler.TryGetTarget(out _));
            All.Add(new Watched(scheduler));
            // A real timer on purpose: it watches the simulation from outside and never posts into it.
            _timer ??= new Timer(_ => Check(), null, Every, Every);
        }
    }

    private static void Check()
    {
        lock (Gate)
        {
            foreach (var watched in All)
            {
                if (!watched.Scheduler.TryGetTarget(out var s))
                {
                    continue;
                }
                // The same step still running at every check for Limit: stuck.
                var mark = s.StepMark;
                watched.Checks = mark % 2 == 1 && mark == watched.Mark ? watched.Checks + 1 : 0;
                watched.Mark = mark;
                if (watched.Checks * Every >= Limit)
                {
                    var message =
                        $"The simulation has been stuck inside one step for over {Limit.TotalSeconds:0} s of real time: node code is in a loop " +
                        "that never yields. Every loop must await a delay on the node's clock; note that Task.Delay rounds down to whole " +
                        "milliseconds, so Task.Delay of less than 1 ms completes at once and a loop around it spins forever.";
                    Console.Error.WriteLine(message);
                    Environment.FailFast(message);
                }
            }
        }
    }
}
