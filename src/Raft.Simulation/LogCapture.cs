using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Raft.Simulation;

/// <summary>
/// Keeps what nodes log, in memory, instead of printing it: a test checks that a bad frame was reported, a notebook
/// shows the warning a node wrote. Give it to a node as its logger factory.
/// </summary>
public sealed class LogCapture(LogLevel minimum = LogLevel.Trace) : ILoggerFactory
{
    /// <summary>Every line logged at <c>minimum</c> or above, in order.</summary>
    public ConcurrentQueue<(LogLevel Level, string Category, string Text)> Lines { get; } = new();

    public ILoggerFactory Factory() => this;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("A LogCapture keeps lines itself; it takes no provider.");

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>The lines logged at exactly <paramref name="level"/>.</summary>
    public IEnumerable<string> At(LogLevel level) => Lines.Where(l => l.Level == level).Select(l => l.Text);

    /// <summary>Every line, with its level and category.</summary>
    public string All => string.Join("\n", Lines.Select(l => $"{l.Level} {l.Category}: {l.Text}"));

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= logs._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                logs.Lines.Enqueue((logLevel, category, formatter(state, exception) + (exception is null ? "" : " " + exception.Message)));
            }
        }
    }

    private readonly LogLevel _minimum = minimum;
}
