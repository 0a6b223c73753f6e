using System.Reflection;
using System.Runtime.Loader;
using System.Text;

namespace Course.FastGate;

/// <summary>
/// Runs a gate's tests in this process, against a chapter assembly compiled a moment ago, in a collectible
/// <see cref="AssemblyLoadContext"/> that is thrown away afterwards: a fresh static state for every run and no
/// test host to start. It runs what the gates use, xunit's [Fact] (a [Theory] is reported as not run), and
/// reports each result the way xunit's TRX does, so one formatter reads both.
/// </summary>
public static class InProcessRunner
{
    // How long each test took the last time it ran in this process (a watch runs the same gate again and again):
    // the longest go first, so that two workers finish together instead of one waiting on a long test started last.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, double> LastSeconds = new(StringComparer.Ordinal);

    /// <summary>
    /// Reads the tests' last times from <paramref name="path"/> (written by <see cref="SaveTimings"/>), for a process that
    /// has not run them yet: a fresh mutant worker then starts with the quickest tests too. A missing or unreadable file
    /// is ignored: it only orders the tests.
    /// </summary>
    public static void LoadTimings(string path)
    {
        try
        {
            if (File.Exists(path) && System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(path)) is { } saved)
            {
                foreach (var (name, seconds) in saved)
                {
                    LastSeconds.TryAdd(name, seconds);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
        }
    }

    /// <summary>Writes the tests' last times to <paramref name="path"/> (replaced whole, so a reader never sees half).</summary>
    public static void SaveTimings(string path)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllText(temporary, System.Text.Json.JsonSerializer.Serialize(LastSeconds.ToDictionary(p => p.Key, p => Math.Round(p.Value, 3))));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <param name="testDll">The gate's test assembly, as `dotnet build tests/NN-slug` wrote it.</param>
    /// <param name="chapterDll">The chapter assembly to test instead of the one beside the test assembly.</param>
    /// <param name="filter">Only tests whose full name contains this text; null for all.</param>
    /// <param name="perTestLimit">A test still running after this long is reported as stuck and abandoned.</param>
    /// <param name="untilFirstFailure">
    /// Start no more tests after the first failure (the mutation suite needs one killing test, not all of them): the
    /// quickest tests go first. Tests already running are given <paramref name="drainGrace"/> to finish; those still
    /// running after it are counted in <see cref="RunnerOutcome.StillRunning"/> (a thread cannot be stopped, only the
    /// process that runs it: the mutation suite replaces its worker process then).
    /// </param>
    /// <param name="exact">Run only the test whose full name is <paramref name="filter"/>, not every test whose name contains it.</param>
    /// <param name="workers">How many tests run at once; by default two more than there are cores.</param>
    public static RunnerOutcome Run(string testDll, string chapterDll, string? filter, TimeSpan perTestLimit, bool untilFirstFailure = false,
        bool exact = false, int? workers = null, TimeSpan? drainGrace = null)
    {
        var context = new GateLoadContext(Path.GetDirectoryName(testDll)!, chapterDll);
        try
        {
            var assembly = context.LoadFromAssemblyPath(testDll);
            // The stand-ins of open TODOs say when they run (Raft.TodoStandIn): listen on each test's thread.
            var standIn = StandInHooks(context);
            var found = Discover(assembly).Where(t => filter is null || (exact ? t.FullName == filter : t.FullName.Contains(filter, StringComparison.Ordinal))).ToList();
            // Looking for a first failure, the gate's own chapter goes first: a mistake in its TODOs is most likely caught
            // there, and then earlier chapters' slow tests (chapter 6's sockets and real clock) are not left running when
            // the worker stops. Within that, the quickest first.
            var own = found.Count == 0 ? 0 : found.Max(t => TestResults.ChapterOf(t.Class.FullName!) ?? 0);
            var tests = (untilFirstFailure
                ? found.OrderBy(t => TestResults.ChapterOf(t.Class.FullName!) == own ? 0 : 1).ThenBy(t => LastSeconds.GetValueOrDefault(t.FullName))
                : found.OrderByDescending(t => LastSeconds.GetValueOrDefault(t.FullName))).ToList();
            var results = new TestResult?[tests.Count];
            var next = -1;
            var failed = 0;
            var inFlight = 0;
            var firstFailure = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // xunit runs test classes in parallel; so does this, one worker per core and two more: some tests spend most of
            // their time waiting (an fsync, a socket, chapter 6's real clock), and the extra workers fill that time
            // (chapter 6's tests: 2.9 s with one worker per core, 2.1 s with two more; chapter 5's: 1.9 s, 1.6 s).
            // Looking for a first failure, more: a test that fails by waiting out a deadline (a mutant that never answers)
            // should not hold back the quicker tests that would fail at once.
            var count = workers ?? (untilFirstFailure ? 4 * Environment.ProcessorCount : Environment.ProcessorCount + 2);
            var running = Enumerable.Range(0, Math.Max(1, Math.Min(count, tests.Count))).Select(_ => Task.Factory.StartNew(() =>
            {
                for (var i = Interlocked.Increment(ref next); i < tests.Count && !(untilFirstFailure && Volatile.Read(ref failed) == 1); i = Interlocked.Increment(ref next))
                {
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    Interlocked.Increment(ref inFlight);
                    var result = RunOne(tests[i], perTestLimit, standIn);
                    Interlocked.Decrement(ref inFlight);
                    var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
                    LastSeconds[tests[i].FullName] = seconds;
                    result = result with { Seconds = seconds };
                    lock (results)
                    {
                        results[i] = result;
                    }
                    if (result.Outcome == "Failed")
                    {
                        Volatile.Write(ref failed, 1);
                        firstFailure.TrySetResult();
                    }
                }
            }, TaskCreationOptions.LongRunning)).ToArray();
            var all = Task.WhenAll(running);
            var stillRunning = 0;
            if (untilFirstFailure)
            {
                // After a first failure the workers take no new test. Those running get a moment to finish; a test that
                // fails slowly (a real-clock test waiting out its deadline) is not worth waiting for, and is counted.
                Task.WaitAny(all, firstFailure.Task);
                if (!all.Wait(drainGrace ?? TimeSpan.FromSeconds(1)))
                {
                    stillRunning = Math.Max(1, Volatile.Read(ref inFlight));
                }
            }
            else
            {
                all.Wait();
            }
            lock (results)
            {
                return new RunnerOutcome(results.OfType<TestResult>().OrderBy(r => r.Name, StringComparer.Ordinal).ToList(), stillRunning);
            }
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>What a run returned: the results of the tests that finished, and how many were still running.</summary>
    public sealed record RunnerOutcome(IReadOnlyList<TestResult> Results, int StillRunning);

    private sealed record Test(Type Class, MethodInfo Method, string? Skip)
    {
        public string FullName => $"{Class.FullName}.{Method.Name}";
    }

    private static IEnumerable<Test> Discover(Assembly assembly)
    {
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types.Where(t => t is not null).ToArray()!;
        }
        foreach (var type in types.Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true }).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                // Matched by name: the attribute types live in this load context, not in the runner's.
                var fact = method.GetCustomAttributesData().FirstOrDefault(a => IsFact(a.AttributeType));
                if (fact is not null)
                {
                    var skip = fact.NamedArguments.FirstOrDefault(a => a.MemberName == "Skip").TypedValue.Value as string;
                    yield return new Test(type, method, skip);
                }
            }
        }

        static bool IsFact(Type? t)
        {
            for (; t is not null; t = t.BaseType)
            {
                if (t.FullName == "Xunit.FactAttribute")
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>Begin and End of Raft.TodoStandIn in the gate's load context, if the simulator there has it.</summary>
    private static (MethodInfo Begin, MethodInfo End)? StandInHooks(AssemblyLoadContext context)
    {
        try
        {
            var type = context.LoadFromAssemblyName(new AssemblyName("Raft.Simulation")).GetType("Raft.TodoStandIn");
            return type?.GetMethod("Begin") is { } begin && type.GetMethod("End") is { } end ? (begin, end) : null;
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
        }
    }

    private static TestResult RunOne(Test test, TimeSpan limit, (MethodInfo Begin, MethodInfo End)? standIn)
    {
        var chapter = TestResults.ChapterOf(test.Class.FullName!);
        if (test.Skip is not null)
        {
            return new TestResult(test.FullName, test.Class.FullName!, chapter, false, "NotExecuted", test.Skip);
        }
        if (test.Method.GetParameters().Length > 0)
        {
            return new TestResult(test.FullName, test.Class.FullName!, chapter, false, "NotExecuted",
                "A test with parameters (a [Theory]) runs only under `dotnet test`.");
        }
        Exception? failure = null;
        string[] ran = [];
        var thread = new Thread(() =>
        {
            object? instance = null;
            try
            {
                standIn?.Begin.Invoke(null, null);
                instance = test.Method.IsStatic ? null : Activator.CreateInstance(test.Class);
                var returned = test.Method.Invoke(instance, null);
                if (returned is Task task)
                {
                    task.GetAwaiter().GetResult();
                }
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                failure = e.InnerException;
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                (instance as IDisposable)?.Dispose();
                ran = standIn?.End.Invoke(null, null) as string[] ?? [];
            }
        }, maxStackSize: 16 * 1024 * 1024) { IsBackground = true, Name = test.FullName };
        thread.Start();
        if (!thread.Join(limit))
        {
            return new TestResult(test.FullName, test.Class.FullName!, chapter, false, "Failed",
                $"The test did not finish within {limit.TotalSeconds:0} s of real time: something loops forever (a while loop whose condition never changes?). " +
                "Stop the watch with Ctrl+C once you have found it.", Abandoned: true);
        }
        return failure is null
            ? new TestResult(test.FullName, test.Class.FullName!, chapter, true, "Passed", "")
            : new TestResult(test.FullName, test.Class.FullName!, chapter, false, "Failed", Message(failure), StackTrace(failure)) { StandIns = ran };
    }

    /// <summary>The exception chain as xunit writes it: "Type : message", then "---- Type : message" per inner exception.</summary>
    private static string Message(Exception e)
    {
        var sb = new StringBuilder($"{e.GetType().FullName} : {e.Message}");
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            sb.Append($"\n---- {inner.GetType().FullName} : {inner.Message}");
        }
        return sb.ToString();
    }

    private static string StackTrace(Exception e)
    {
        var sb = new StringBuilder(e.StackTrace ?? "");
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            sb.Append("\n----- Inner Stack Trace -----\n").Append(inner.StackTrace ?? "");
        }
        return sb.ToString();
    }

    /// <summary>Loads the test assembly's dependencies from its folder, and the chapter from where it was just compiled.</summary>
    private sealed class GateLoadContext(string binDir, string chapterDll) : AssemblyLoadContext("fast-gate", isCollectible: true)
    {
        private readonly string _chapterName = Path.GetFileNameWithoutExtension(chapterDll);

        protected override Assembly? Load(AssemblyName name)
        {
            if (name.Name == _chapterName)
            {
                return LoadFromAssemblyPath(chapterDll);
            }
            var candidate = Path.Combine(binDir, name.Name + ".dll");
            // The framework comes from the default context; everything else from the gate's folder.
            return File.Exists(candidate) && !IsFramework(name) ? LoadFromAssemblyPath(candidate) : null;
        }

        // The runtime's own assemblies: one copy for the whole process.
        private static readonly HashSet<string> Framework =
            ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator)
            .Where(p => p.Contains($"{Path.DirectorySeparatorChar}Microsoft.NETCore.App{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        private static bool IsFramework(AssemblyName name) => name.Name is { } n && Framework.Contains(n);
    }
}
