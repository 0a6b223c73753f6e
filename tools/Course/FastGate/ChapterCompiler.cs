using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace Course.FastGate;

/// <summary>A compiler error or warning, with where it is.</summary>
public sealed record CompileProblem(string File, int Line, string Id, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Id}: {Message}";
}

/// <summary>
/// Compiles a chapter's C# files with Roslyn, in process, the way its project would: the same language
/// version, nullable on, implicit usings, warnings as errors less the project's NoWarn list. Keeping one
/// compiler warm is what turns a save into a verdict in about a second (`dotnet build` spends most of its
/// time starting MSBuild and checking what is up to date).
/// </summary>
public sealed partial class ChapterCompiler
{
    // The implicit usings of an SDK-style console or library project (ImplicitUsings=enable).
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    private static readonly Lazy<IReadOnlyList<MetadataReference>> Framework = new(LoadFrameworkReferences);

    // Parsed files, kept while their text is unchanged: a save reparses only the file that changed.
    private readonly Dictionary<string, (string Text, SyntaxTree Tree)> _trees = [];
    private readonly Dictionary<string, MetadataReference> _libraries = [];

    [GeneratedRegex(@"<NoWarn>(?<list>[^<]*)</NoWarn>")]
    private static partial Regex NoWarn();

    [GeneratedRegex(@"CS\d{4}")]
    private static partial Regex WarningId();

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest, DocumentationMode.None);

    /// <summary>
    /// Compiles <paramref name="files"/> (path relative to <paramref name="projectDir"/> to text) into an assembly
    /// named <paramref name="assemblyName"/> and writes it, with its PDB, into <paramref name="outputDir"/>.
    /// </summary>
    /// <param name="libraries">The DLLs the project references besides the framework.</param>
    /// <returns>The DLL's path, or null and the errors.</returns>
    public (string? Dll, IReadOnlyList<CompileProblem> Errors) Compile(
        string projectDir, IReadOnlyDictionary<string, string> files, string assemblyName, IEnumerable<string> libraries,
        IEnumerable<string> suppressedWarnings, string outputDir)
    {
        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText(SourceText.From(ImplicitUsings, System.Text.Encoding.UTF8), Parse, path: Path.Combine(projectDir, "obj", "ImplicitUsings.g.cs")),
            // The version MSBuild gives a project, so a test assembly built against that project binds to this one.
            CSharpSyntaxTree.ParseText(SourceText.From("[assembly: System.Reflection.AssemblyVersion(\"1.0.0.0\")]", System.Text.Encoding.UTF8), Parse, path: Path.Combine(projectDir, "obj", "AssemblyInfo.g.cs")),
        };
        foreach (var (rel, text) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var full = Path.GetFullPath(Path.Combine(projectDir, rel));
            if (!_trees.TryGetValue(full, out var cached) || cached.Text != text)
            {
                cached = (text, CSharpSyntaxTree.ParseText(SourceText.From(text, System.Text.Encoding.UTF8), Parse, path: full));
                _trees[full] = cached;
            }
            trees.Add(cached.Tree);
        }
        var references = Framework.Value.Concat(libraries.Select(Library)).ToList();
        var options = new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                optimizationLevel: OptimizationLevel.Debug,
                generalDiagnosticOption: ReportDiagnostic.Error,
                deterministic: true)
            .WithSpecificDiagnosticOptions(suppressedWarnings.Select(id => KeyValuePair.Create(id, ReportDiagnostic.Suppress)));
        Compilation compilation = CSharpCompilation.Create(assemblyName, trees, references, options);
        // Chapter 6's wire format is generated at compile time (System.Text.Json source generation), as MSBuild would.
        if (files.Values.Any(text => text.Contains("[JsonSerializable(", StringComparison.Ordinal)) && Generators.Value.Count > 0)
        {
            CSharpGeneratorDriver.Create(Generators.Value, parseOptions: Parse).RunGeneratorsAndUpdateCompilation(compilation, out compilation, out _);
        }

        Directory.CreateDirectory(outputDir);
        var dll = Path.Combine(outputDir, assemblyName + ".dll");
        var pdb = Path.Combine(outputDir, assemblyName + ".pdb");
        EmitResult result;
        using (var dllStream = File.Create(dll))
        using (var pdbStream = File.Create(pdb))
        {
            result = compilation.Emit(dllStream, pdbStream, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb));
        }
        var errors = result.Diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error || d.IsWarningAsError)
            .Select(d =>
            {
                var span = d.Location.GetMappedLineSpan();
                var file = span.Path is { Length: > 0 } p ? Path.GetRelativePath(projectDir, p) : assemblyName;
                return new CompileProblem(file, span.StartLinePosition.Line + 1, d.Id, d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
            })
            .Distinct()
            .ToList();
        if (!result.Success)
        {
            File.Delete(dll);
            File.Delete(pdb);
            return (null, errors);
        }
        return (dll, errors);
    }

    /// <summary>The warning ids a project file turns off with &lt;NoWarn&gt;.</summary>
    public static IReadOnlyList<string> SuppressedWarnings(string projectFile) =>
        File.Exists(projectFile)
            ? NoWarn().Matches(File.ReadAllText(projectFile)).SelectMany(m => WarningId().Matches(m.Groups["list"].Value)).Select(m => m.Value).Distinct().ToList()
            : [];

    private MetadataReference Library(string path)
    {
        // A library rebuilt since it was first read is read again.
        var key = $"{path}|{File.GetLastWriteTimeUtc(path).Ticks}";
        if (!_libraries.TryGetValue(key, out var reference))
        {
            reference = MetadataReference.CreateFromFile(path);
            _libraries[key] = reference;
        }
        return reference;
    }

    private static readonly Lazy<IReadOnlyList<ISourceGenerator>> Generators = new(LoadGenerators);

    /// <summary>The targeting pack's System.Text.Json source generator, which MSBuild runs on every project.</summary>
    private static IReadOnlyList<ISourceGenerator> LoadGenerators()
    {
        var runtimeDir = RuntimeEnvironment.GetRuntimeDirectory();
        var packs = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", "..", "packs", "Microsoft.NETCore.App.Ref"));
        var generator = Directory.Exists(packs)
            ? Directory.EnumerateDirectories(packs)
                .Where(d => Path.GetFileName(d).StartsWith($"{Environment.Version.Major}.", StringComparison.Ordinal))
                .OrderByDescending(d => Version.TryParse(Path.GetFileName(d), out var v) ? v : new Version())
                .Select(d => Path.Combine(d, "analyzers", "dotnet", "cs", "System.Text.Json.SourceGeneration.dll"))
                .FirstOrDefault(File.Exists)
            : null;
        return generator is null ? [] : new AnalyzerFileReference(generator, new AnalyzerLoader()).GetGenerators(LanguageNames.CSharp);
    }

    private sealed class AnalyzerLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public System.Reflection.Assembly LoadFromPath(string fullPath) => System.Reflection.Assembly.LoadFrom(fullPath);
    }

    /// <summary>
    /// The framework's reference assemblies (the SDK's targeting pack), which is what MSBuild compiles against;
    /// if the pack cannot be found, the running runtime's own assemblies, which compile the same code.
    /// </summary>
    private static IReadOnlyList<MetadataReference> LoadFrameworkReferences()
    {
        var runtimeDir = RuntimeEnvironment.GetRuntimeDirectory(); // .../shared/Microsoft.NETCore.App/10.0.x/
        var dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", ".."));
        var major = Environment.Version.Major;
        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        var refDir = Directory.Exists(packs)
            ? Directory.EnumerateDirectories(packs)
                .Where(d => Path.GetFileName(d).StartsWith($"{major}.", StringComparison.Ordinal))
                .Select(d => Path.Combine(d, "ref", $"net{major}.0"))
                .Where(Directory.Exists)
                .OrderByDescending(d => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(d))), out var v) ? v : new Version())
                .FirstOrDefault()
            : null;
        var dlls = refDir is not null
            ? Directory.EnumerateFiles(refDir, "*.dll")
            : ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(p => Path.GetFileName(p).StartsWith("System", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll");
        return dlls.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    }
}
