using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Course.FastGate;

/// <summary>
/// Runs a chapter's mutants in a separate process (`chaptergen mutants-worker`), so that whatever a mutant leaves
/// behind cannot touch the next verdict: tests still running after their limit, a thread that spins, a stack overflow
/// that ends the process. A worker runs mutants one after another and reports each; when a mutant leaves a test
/// running, or the worker dies, the next mutants go to a fresh worker.
/// </summary>
public static class MutantWorkers
{
    /// <summary>The line a worker prints before it starts a mutant, followed by the mutant's id.</summary>
    public const string StartPrefix = "@@mutant-start ";

    /// <summary>The line a worker prints with a mutant's outcome, followed by the outcome as JSON.</summary>
    public const string OutcomePrefix = "@@mutant-outcome ";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>How long one mutant may take in a worker (its gate, a confirmation, a whole rerun) before the worker is stopped.</summary>
    public static readonly TimeSpan PerMutantLimit = TimeSpan.FromMinutes(10);

    /// <summary>Writes one outcome the way <see cref="Run"/> reads it.</summary>
    public static string Line(MutantOutcome outcome) => OutcomePrefix + JsonSerializer.Serialize(outcome, Json);

    /// <summary>
    /// Runs <paramref name="mutants"/> of <paramref name="ch"/> in worker processes; returns their outcomes in order.
    /// </summary>
    /// <param name="worker">The command that starts a worker for the mutants whose ids it is given.</param>
    /// <param name="perMutant">How long one mutant may take before its worker is stopped and the mutant reported as not run.</param>
    /// <param name="reported">Told of each outcome as it arrives.</param>
    public static IReadOnlyList<MutantOutcome> Run(Chapter ch, IReadOnlyList<Mutant> mutants, Func<IReadOnlyList<string>, ProcessStartInfo> worker,
        TimeSpan perMutant, Action<MutantOutcome>? reported = null) => Run(ch, mutants, worker, perMutant, out _, reported);

    /// <param name="workers">How many worker processes it took (one, plus one after each mutant that left a test running).</param>
    public static IReadOnlyList<MutantOutcome> Run(Chapter ch, IReadOnlyList<Mutant> mutants, Func<IReadOnlyList<string>, ProcessStartInfo> worker,
        TimeSpan perMutant, out int workers, Action<MutantOutcome>? reported = null)
    {
        var outcomes = new List<MutantOutcome>();
        var left = new List<Mutant>(mutants);
        workers = 0;
        while (left.Count > 0)
        {
            workers++;
            var before = left.Count;
            var info = worker([.. left.Select(m => m.Id)]);
            info.RedirectStandardOutput = true;
            info.RedirectStandardError = true;
            info.UseShellExecute = false;
            foreach (var key in info.Environment.Keys.Where(Commands.InheritedFromOuterRun).ToList())
            {
                info.Environment.Remove(key);
            }
            using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
            var lines = new BlockingCollection<string?>();
            var errors = new StringBuilder();
            process.OutputDataReceived += (_, e) => lines.Add(e.Data);
            process.ErrorDataReceived += (_, e) =>
            {
                lock (errors)
                {
                    errors.AppendLine(e.Data);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            Mutant? current = null;
            var started = Stopwatch.StartNew();
            var done = false;
            while (!done)
            {
                if (!lines.TryTake(out var line, current is null ? perMutant : Remaining(perMutant, started)))
                {
                    // Stuck: stop the worker and say so; the rest go to a fresh one. A worker stuck between two mutants
                    // blames none of them (if it ran none, the check below says so).
                    process.Kill(entireProcessTree: true);
                    if (current is not null)
                    {
                        Report(new MutantOutcome(current, false, [], $"its gate did not finish within {perMutant.TotalSeconds:0} s; the worker was stopped", started.Elapsed));
                    }
                    break;
                }
                if (line is null)
                {
                    // The worker ended. If it was in the middle of a mutant, that mutant ended the process: under
                    // `dotnet test` the test host would have crashed too, which fails the gate.
                    process.WaitForExit();
                    if (current is not null)
                    {
                        string tail;
                        lock (errors)
                        {
                            tail = string.Join(" ", errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));
                        }
                        Report(new MutantOutcome(current, true, [$"the gate's process crashed (exit code {process.ExitCode}): {tail}"], null, started.Elapsed));
                    }
                    done = true;
                }
                else if (line.StartsWith(StartPrefix, StringComparison.Ordinal))
                {
                    var id = line[StartPrefix.Length..].Trim();
                    current = left.FirstOrDefault(m => m.Id == id) ?? throw new InvalidOperationException($"The worker started a mutant it was not given: {id}");
                    started.Restart();
                }
                else if (line.StartsWith(OutcomePrefix, StringComparison.Ordinal))
                {
                    var outcome = JsonSerializer.Deserialize<MutantOutcome>(line[OutcomePrefix.Length..], Json)
                                  ?? throw new InvalidDataException("A worker reported an empty outcome.");
                    // The catalog's own record, not the copy that went through JSON.
                    Report(outcome with { Mutant = current ?? outcome.Mutant });
                    current = null;
                    if (outcome.LeftRunning)
                    {
                        // The worker exits by itself after such a mutant; the rest start in a fresh one (it is killed
                        // below if it does not).
                        process.WaitForExit(TimeSpan.FromSeconds(10));
                        done = true;
                    }
                }
            }
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            if (left.Count == before)
            {
                lock (errors)
                {
                    throw new InvalidOperationException($"A mutant worker for chapter {ch.Number} ended without running a mutant (exit code {process.ExitCode}):\n{errors}");
                }
            }
        }
        return outcomes;

        void Report(MutantOutcome outcome)
        {
            outcomes.Add(outcome);
            left.RemoveAll(m => m.Id == outcome.Mutant.Id);
            reported?.Invoke(outcome);
        }
    }

    private static TimeSpan Remaining(TimeSpan limit, Stopwatch started)
    {
        var left = limit - started.Elapsed;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>
    /// The worker's side: runs the mutants with these ids one after another, printing a start line and an outcome line
    /// for each. Returns after a mutant that left a test running: the caller exits, and the rest go to a fresh worker.
    /// </summary>
    public static void Serve(FastGate gate, Chapter ch, IReadOnlyList<Mutant> mutants, TextWriter output)
    {
        foreach (var mutant in mutants)
        {
            output.WriteLine(StartPrefix + mutant.Id);
            output.Flush();
            var outcome = MutationSuite.Run(gate, ch, mutant);
            output.WriteLine(Line(outcome));
            output.Flush();
            if (outcome.LeftRunning)
            {
                return;
            }
        }
    }
}
