#if CH07
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Cluster.Jepsen;

/// <summary>
/// One node as its own process (this tool's `node` command), which the nemesis can kill with SIGKILL, pause with
/// SIGSTOP and resume with SIGCONT, as an operator's mistakes and a machine's stalls would.
/// </summary>
internal sealed partial class NodeProcess(int id, IReadOnlyList<string> arguments) : IDisposable
{
    private readonly StringBuilder _log = new();
    private Process? _process;

    public int Id => id;

    public bool Running => _process is { HasExited: false };

    public bool Paused { get; private set; }

    /// <summary>The latest term this process logged that it leads; 0 if none.</summary>
    public long LeaderTerm { get; private set; }

    public bool Listening { get; private set; }

    [GeneratedRegex(@"becomes leader in term (\d+)")]
    private static partial Regex BecomesLeader();

    public void Start()
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(typeof(NodeProcess).Assembly.Location);
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }
        Listening = false;
        LeaderTerm = 0;
        Paused = false;
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start node {id}.");
        process.OutputDataReceived += (_, e) => Take(e.Data);
        process.ErrorDataReceived += (_, e) => Take(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    private void Take(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
            if (BecomesLeader().Match(line) is { Success: true } m)
            {
                LeaderTerm = long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
            if (line.Contains(" listens on ", StringComparison.Ordinal))
            {
                Listening = true;
            }
        }
    }

    /// <summary>SIGKILL: no clean shutdown, whatever was not fsynced is gone.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            if (Paused)
            {
                Signal("CONT");
            }
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
        Paused = false;
        LeaderTerm = 0;
    }

    public void Pause()
    {
        Signal("STOP");
        Paused = true;
    }

    public void Resume()
    {
        Signal("CONT");
        Paused = false;
    }

    private void Signal(string name)
    {
        if (_process is not { HasExited: false } p)
        {
            return;
        }
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { $"-{name}", $"{p.Id}" }, UseShellExecute = false })
                         ?? throw new InvalidOperationException("Could not run kill.");
        kill.WaitForExit(10_000);
    }

    /// <summary>What the process printed, for a report when something went wrong.</summary>
    public string Log()
    {
        lock (_log)
        {
            return _log.ToString();
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
    }
}
#endif
