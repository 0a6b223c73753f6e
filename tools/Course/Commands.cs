using System.Diagnostics;
using System.Text;

namespace Course;

/// <summary>Runs a command with a time limit and collects everything it prints.</summary>
public static class Commands
{
    public static (int ExitCode, string Output) Run(string workingDirectory, string file, string arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var key in info.Environment.Keys.Where(InheritedFromOuterRun).ToList())
        {
            info.Environment.Remove(key);
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{file} {arguments}` took longer than {timeout.TotalSeconds:0} s:\n{output}");
        }
        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }

        void Append(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }
    }

    /// <summary>
    /// True for environment variables that a surrounding `dotnet test` leaves behind (MSBuild and test-host
    /// settings, a replay seed): a nested build or test run must not inherit them.
    /// </summary>
    public static bool InheritedFromOuterRun(string key) =>
        key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) ||
        key.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase) || key == "DOTNET_HOST_PATH" || key == "RAFT_SEED";

    /// <summary>
    /// Runs chapter <paramref name="chapter"/>'s gate against <paramref name="against"/> (chapters, solutions or pristine)
    /// and returns each test's result; null and the build output if no test ran (e.g. a compile error).
    /// </summary>
    public static (IReadOnlyList<TestResult>? Results, string Output) RunGate(string root, Chapter chapter, string against, string resultsDir)
    {
        if (Directory.Exists(resultsDir))
        {
            Directory.Delete(resultsDir, recursive: true);
        }
        var (_, output) = Run(root, "dotnet",
            $"test tests/{chapter.Slug} -p:Against={against} --logger \"trx;LogFileName=gate.trx\" --results-directory \"{resultsDir}\"",
            TimeSpan.FromMinutes(10));
        var trx = Path.Combine(resultsDir, "gate.trx");
        return (File.Exists(trx) ? TestResults.ReadTrx(trx) : null, output);
    }
}
