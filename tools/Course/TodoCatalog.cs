using System.Text.Encodings.Web;
using System.Text.Json;

namespace Course;

/// <summary>
/// course/todos.json: every TODO of every ready chapter, generated from the annotated source by
/// tools/chaptergen. The progress tool reads it, so hints and checks work in a copy of the course that has
/// neither solutions/ nor the annotated source; such a copy may also leave out the code (see learner-copy).
/// </summary>
public static class TodoCatalog
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public static string Serialize(IReadOnlyDictionary<int, IReadOnlyList<TodoItem>> todos) =>
        JsonSerializer.Serialize(todos.OrderBy(kv => kv.Key).ToDictionary(kv => kv.Key.ToString("00", System.Globalization.CultureInfo.InvariantCulture), kv => kv.Value), Options) + "\n";

    /// <summary>The TODOs of every ready chapter, or an empty map if the catalog is missing.</summary>
    /// <exception cref="InvalidDataException">The catalog is not valid; the message names the file.</exception>
    public static IReadOnlyDictionary<int, IReadOnlyList<TodoItem>> Load(string root)
    {
        var path = Path.Combine(root, ChapterGenerator.TodoCatalogFile);
        if (!File.Exists(path))
        {
            return new Dictionary<int, IReadOnlyList<TodoItem>>();
        }
        try
        {
            var raw = JsonSerializer.Deserialize<Dictionary<string, List<TodoItem>>>(File.ReadAllText(path), Options)
                      ?? throw new InvalidDataException("it is empty");
            return raw.ToDictionary(kv => int.Parse(kv.Key, System.Globalization.CultureInfo.InvariantCulture), kv => (IReadOnlyList<TodoItem>)kv.Value);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new InvalidDataException($"{path} is not a valid TODO catalog ({e.Message}); `git checkout {ChapterGenerator.TodoCatalogFile}` restores it.", e);
        }
    }
}
