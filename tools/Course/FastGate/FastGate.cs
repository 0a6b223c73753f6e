using System.Diagnostics;

namespace Course.FastGate;

/// <summary>What one fast gate run found.</summary>
/// <param name="CompileErrors">Why the chapter did not compile; then nothing ran.</param>
/// <param name="Results">Each test's result; null if nothing ran.</param>
/// <param name="BuildOutput">What `dotnet build` printed when the gate's tests had to be built and that failed.</param>
public sealed record GateRun(
    IReadOnlyList<CompileProblem> CompileErrors,
    IReadOnlyList<TestResult>? Results,
    string? BuildOutput,
    TimeSpan CompileTime,
    TimeSpan TestTime)
{
    /// <summary>The chapter assembly the tests ran against (compiled for this run), to run some of them again.</summary>
    public string? ChapterDll { get; init; }

    /// <summary>Tests of a run stopped at its first failure that had not finished when it returned.</summary>
    public int StillRunning { get; init; }

    /// <summary>True if a test of this run still runs in this process (past its time limit, or not waited for).</summary>
    public bool LeftRunning => StillRunning > 0 || Results?.Any(r => r.Abandoned) == true;

    /// <summary>True if a test failed because the chapter no longer has what the tests call (a renamed method, say).</summary>
    public bool ApiMismatch => Results?.Any(r => r.Message.Contains("MissingMethodException", StringComparison.Ordinal)
                                                || r.Message.Contains("MissingFieldException", StringComparison.Ordinal)
                                                || r.Message.Contains("TypeLoadException", StringComparison.Ordinal)) == true;

    public bool Green => CompileErrors.Count == 0 && BuildOutput is null && Results is { } r && r.All(t => t.Passed);
}

/// <summary>
/// A chapter's gate in about a second: the chapter compiled in process by a warm Roslyn, its gate's tests run in
/// process (see <see cref="InProcessRunner"/>). The tests themselves are built once by `dotnet build`, again only
/// when tests/ or src/ change. `dotnet test tests/NN-slug` stays the authority: the watch confirms a green verdict
/// with it, and the workspace tests check that both agree on the reference.
/// </summary>
public sealed class FastGate(CourseManifest course)
{
    private readonly ChapterCompiler _compiler = new();
    private readonly Dictionary<string, string> _previousOutput = [];
    private int _runs;
    private int _timingsLoaded;

    /// <summary>How long a single test may run before it is reported as stuck.</summary>
    public TimeSpan PerTestLimit { get; init; } = TimeSpan.FromSeconds(60);

    public CourseManifest Course => course;

    /// <summary>The folder of the code that <paramref name="against"/> names: chapters (the learner's), solutions, or pristine (the gate proof's).</summary>
    public string CodeDir(Chapter ch, string against) => Path.Combine(course.Root, against switch
    {
        "solutions" => ch.SolutionDir,
        "pristine" => $"artifacts/pristine/{ch.Slug}",
        _ => ch.StarterDir,
    });

    /// <summary>The gate's test assembly, as `dotnet build tests/NN-slug -p:Against=...` writes it.</summary>
    public string TestDll(Chapter ch, string against) =>
        Path.Combine(course.Root, ch.TestDir, "bin", against, "Debug", $"net{Environment.Version.Major}.0", $"Raft.Gate.Ch{ch.Nn}.dll");

    /// <summary>
    /// Compiles the chapter and runs its gate. <paramref name="files"/>, if given, replaces the chapter's files
    /// (the mutation suite plants a mistake this way, without touching the disk).
    /// </summary>
    public GateRun Run(Chapter ch, string against, IReadOnlyDictionary<string, string>? files = null, string? filter = null, bool untilFirstFailure = false)
    {
        var clock = Stopwatch.StartNew();
        var dir = CodeDir(ch, against);
        files ??= ReadSources(dir);
        var binDir = Path.GetDirectoryName(TestDll(ch, against))!;
        var output = Path.Combine(course.Root, "artifacts", "fast", ch.Slug, against, $"{Environment.ProcessId}-{Interlocked.Increment(ref _runs)}");
        var project = Directory.EnumerateFiles(dir, "*.csproj").FirstOrDefault() ?? "";
        (string? Dll, IReadOnlyList<CompileProblem> Errors) Compile() => _compiler.Compile(dir, files, ch.AssemblyName,
            new[] { "Raft.Simulation.dll", "Microsoft.Extensions.Logging.Abstractions.dll" }.Select(f => Path.Combine(binDir, f)),
            ChapterCompiler.SuppressedWarnings(project), output);

        // Compile first where the libraries to compile against are there already: a compile error then reads as the
        // compiler's sentence, not as a failed `dotnet build` of the tests.
        var compiled = File.Exists(Path.Combine(binDir, "Raft.Simulation.dll")) ? Compile() : default;
        if (compiled.Errors is { Count: > 0 } && compiled.Dll is null)
        {
            return new GateRun(compiled.Errors, null, null, clock.Elapsed, TimeSpan.Zero);
        }
        var builtBefore = File.Exists(TestDll(ch, against)) ? File.GetLastWriteTimeUtc(TestDll(ch, against)) : DateTime.MinValue;
        var build = EnsureTestsBuilt(ch, against);
        if (build is not null)
        {
            return new GateRun([], null, build, clock.Elapsed, TimeSpan.Zero);
        }
        // If the tests were just built, the libraries may have changed under the first compile: compile again.
        var rebuilt = File.GetLastWriteTimeUtc(TestDll(ch, against)) != builtBefore;
        var (dll, errors) = compiled.Dll is not null && !rebuilt ? compiled : Compile();
        var compileTime = clock.Elapsed;
        if (dll is null)
        {
            return new GateRun(errors, null, null, compileTime, TimeSpan.Zero);
        }
        clock.Restart();
        var timings = Path.Combine(course.Root, "artifacts", "fast", "timings.json");
        if (Interlocked.Exchange(ref _timingsLoaded, 1) == 0)
        {
            InProcessRunner.LoadTimings(timings);
        }
        var outcome = InProcessRunner.Run(TestDll(ch, against), dll, filter, PerTestLimit, untilFirstFailure);
        InProcessRunner.SaveTimings(timings);
        // The previous run's assembly is unloaded by now: remove it, so a long watch does not pile them up.
        var key = $"{ch.Slug}/{against}";
        if (_previousOutput.TryGetValue(key, out var previous))
        {
            TryDelete(previous);
        }
        _previousOutput[key] = output;
        return new GateRun([], outcome.Results, null, compileTime, clock.Elapsed) { ChapterDll = dll, StillRunning = outcome.StillRunning };
    }

    /// <summary>
    /// Runs one test of the gate again, alone (no other test beside it), against the chapter assembly of
    /// <paramref name="run"/>: the mutation suite confirms a kill this way, so that a test on the real clock that failed
    /// only because the machine was busy does not count.
    /// </summary>
    public TestResult? RunAlone(Chapter ch, string against, GateRun run, string fullName)
    {
        if (run.ChapterDll is not { } dll || !File.Exists(dll))
        {
            return null;
        }
        return InProcessRunner.Run(TestDll(ch, against), dll, fullName, PerTestLimit, exact: true, workers: 1).Results.SingleOrDefault();
    }

    /// <summary>
    /// The learner's current chapter: the first ready one whose gate is not green (a chapter with a stub still in it
    /// is not, without running anything); null when every ready chapter is green.
    /// </summary>
    /// <param name="checking">Told of each chapter whose gate is about to run.</param>
    public Chapter? FirstNotGreen(string against, Action<Chapter>? checking = null)
    {
        foreach (var ch in course.Available)
        {
            var dir = CodeDir(ch, against);
            if (!Directory.Exists(dir) || (against == "chapters" && Report.OpenTodos(dir, ch.Number, course.Root).Count > 0))
            {
                return ch;
            }
            checking?.Invoke(ch);
            if (!Run(ch, against).Green)
            {
                return ch;
            }
        }
        return null;
    }

    /// <summary>The chapter's C# files, by path relative to its folder.</summary>
    public static Dictionary<string, string> ReadSources(string dir) =>
        SourceTree.Files(dir, f => f.EndsWith(".cs", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(dir, f).Replace('\\', '/'), File.ReadAllText, StringComparer.Ordinal);

    /// <summary>
    /// Builds the gate's tests with `dotnet build` if they are missing or older than what they are made of;
    /// null when they are ready, else what the build printed.
    /// </summary>
    public string? EnsureTestsBuilt(Chapter ch, string against, bool force = false)
    {
        var dll = TestDll(ch, against);
        if (!force && File.Exists(dll) && File.GetLastWriteTimeUtc(dll) >= NewestInput())
        {
            return null;
        }
        var (exit, output) = Commands.Run(course.Root, "dotnet", $"build {ch.TestDir} -p:Against={against} -v q -nologo", TimeSpan.FromMinutes(10));
        if (exit != 0 || !File.Exists(dll))
        {
            return output;
        }
        // MSBuild leaves an up-to-date assembly as it was, though a file it is built from may carry a newer time (a
        // checkout touches files); mark it as checked, or every verdict would start a build.
        File.SetLastWriteTimeUtc(dll, DateTime.UtcNow);
        return null;
    }

    // What the gate's test assembly is built from besides the chapter: the tests, the simulator, the build settings.
    private DateTime NewestInput() =>
        new[] { "tests", "src" }.SelectMany(d => SourceTree.Files(Path.Combine(course.Root, d), SourceTree.IsBuildInput))
            .Select(File.GetLastWriteTimeUtc)
            .DefaultIfEmpty(DateTime.MinValue)
            .Max();

    /// <summary>Removes the compiled chapters of earlier runs.</summary>
    public void Clean(Chapter ch) => TryDelete(Path.Combine(course.Root, "artifacts", "fast", ch.Slug));

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Still loaded somewhere (Windows keeps a loaded assembly's file locked); it is cleaned next time.
        }
    }
}
