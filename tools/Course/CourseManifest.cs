using System.Text.Json;

namespace Course;

/// <summary>One chapter of the course, as course/course.json describes it.</summary>
/// <param name="Hints">For each TODO, the hints before the code: a nudge (what to think about, with the paper's rule), then
/// the rule made concrete (edge cases and the trap learners fall into). The code itself is the last level, from course/todos.json.</param>
public sealed record Chapter(int Number, string Slug, string Title, string Paper, string Summary, bool Ready, IReadOnlyDictionary<string, IReadOnlyList<string>> Hints)
{
    /// <summary>Two digits, as in folder names and TODO(chNN) markers.</summary>
    public string Nn => Number.ToString("00", System.Globalization.CultureInfo.InvariantCulture);

    public string StarterDir => $"chapters/{Slug}";

    public string SolutionDir => $"solutions/{Slug}";

    public string TestDir => $"tests/{Slug}";

    public string Notebook => $"notebooks/{Slug}.ipynb";

    public string AssemblyName => $"Raft.Ch{Nn}";
}

/// <summary>course/course.json: the list of chapters, their titles and hints. The one manifest the tools read.</summary>
public sealed class CourseManifest
{
    private CourseManifest(string root, string source, IReadOnlyList<Chapter> chapters)
    {
        Root = root;
        SourceDir = source;
        Chapters = chapters;
    }

    /// <summary>The repository root (absolute).</summary>
    public string Root { get; }

    /// <summary>The annotated single source, relative to <see cref="Root"/>.</summary>
    public string SourceDir { get; }

    /// <summary>Every chapter in the plan, in order.</summary>
    public IReadOnlyList<Chapter> Chapters { get; }

    /// <summary>The chapters that are written ("ready" in the manifest): each has a starter, a solution, a gate and a notebook.</summary>
    public IEnumerable<Chapter> Available => Chapters.Where(c => c.Ready);

    public Chapter this[int number] =>
        Chapters.FirstOrDefault(c => c.Number == number)
        ?? throw new ArgumentOutOfRangeException(nameof(number), number, $"There is no chapter {number}; chapters are 1 to {Chapters.Count}.");

    /// <summary>Reads course/course.json under <paramref name="root"/>.</summary>
    /// <exception cref="InvalidDataException">The manifest is missing or malformed; the message says where.</exception>
    public static CourseManifest Load(string root)
    {
        var path = Path.Combine(root, "course", "course.json");
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path} is missing: run the tools from the repository root or a folder inside it.");
        }
        try
        {
            var dto = JsonSerializer.Deserialize<Dto>(File.ReadAllText(path), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
                      ?? throw new InvalidDataException("it is empty");
            var chapters = (dto.Chapters ?? throw new InvalidDataException("it has no \"chapters\" list"))
                .Select(c => new Chapter(c.Number, c.Slug ?? throw new InvalidDataException($"chapter {c.Number} has no slug"),
                    c.Title ?? c.Slug, c.Paper ?? "", c.Summary ?? "", c.Ready, (IReadOnlyDictionary<string, IReadOnlyList<string>>?)c.Hints?.ToDictionary(h => h.Key, h => (IReadOnlyList<string>)h.Value) ?? new Dictionary<string, IReadOnlyList<string>>()))
                .ToList();
            // A learner's copy keeps the hints in the course's pack, out of plain sight.
            if (chapters.All(c => c.Hints.Count == 0) && CoursePack.Read(root) is { Hints: { } packed })
            {
                chapters = [.. chapters.Select(c => c with { Hints = packed.GetValueOrDefault(c.Number) ?? new Dictionary<string, IReadOnlyList<string>>() })];
            }
            for (var i = 0; i < chapters.Count; i++)
            {
                if (chapters[i].Number != i + 1 || !chapters[i].Slug.StartsWith(chapters[i].Nn + "-", StringComparison.Ordinal))
                {
                    throw new InvalidDataException($"chapter {i + 1} must have number {i + 1} and a slug starting with {i + 1:00}- (got {chapters[i].Number}, {chapters[i].Slug})");
                }
            }
            return new CourseManifest(Path.GetFullPath(root), dto.Source ?? "course/source", chapters);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}", e);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>The repository root: the nearest folder at or above <paramref name="start"/> holding course/course.json.</summary>
    public static string FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "course", "course.json")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidDataException($"No course/course.json at or above {start}: run this from inside the repository.");
    }

    private sealed class Dto
    {
        public string? Source { get; set; }
        public List<ChapterDto>? Chapters { get; set; }
    }

    private sealed class ChapterDto
    {
        public int Number { get; set; }
        public string? Slug { get; set; }
        public string? Title { get; set; }
        public string? Paper { get; set; }
        public string? Summary { get; set; }
        public bool Ready { get; set; }
        public Dictionary<string, List<string>>? Hints { get; set; }
    }
}
