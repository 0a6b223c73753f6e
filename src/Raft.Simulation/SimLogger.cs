using Microsoft.Extensions.Logging;

namespace Raft.Simulation;

/// <summary>A node's <see cref="ILogger"/> in the simulation: lines go into the trace, stamped with simulated time.</summary>
internal sealed class SimLogger(int node, SimulatedTime time, SimulationScheduler scheduler, Trace trace, LogLevel minimum, ILogger? forward)
    : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }
        if (SynchronizationContext.Current != scheduler)
        {
            // Logging from another thread means node code left the simulation; the run reports it.
            scheduler.ReportEscape("ILogger.Log");
            return;
        }
        var e = new NodeLogged(time.Elapsed, node, logLevel, formatter(state, exception));
        trace.Add(e);
        // The forwarded line carries simulated time: a console logger would stamp it with the wall clock.
        forward?.Log(logLevel, eventId, "{Time} ms  {Text}", TraceEvent.Milliseconds(e.At), e.Text);
    }
}
