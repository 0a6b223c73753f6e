using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Course;

/// <summary>
/// The annotated source in a learner's copy, where course/source is not: one compressed file, so no chapter's code is
/// lying in plain sight, from which the progress tool writes each chapter when the learner reaches it (merged with the
/// learner's own code). Without answers (the default copy) every TODO's reference code is taken out: what is left is
/// the code each chapter gives, the stubs and their stand-ins. With answers (`learner-copy --with-answers`) the whole
/// source is there, so that `hint` can show the code and `reference N` can write a chapter's reference.
/// </summary>
/// <param name="Hints">The hints of each chapter's TODOs (out of course/course.json in a learner's copy, as they hold procedures).</param>
public sealed partial record CoursePack(bool Answers, IReadOnlyDictionary<string, string> Files,
    IReadOnlyDictionary<int, IReadOnlyDictionary<string, IReadOnlyList<string>>>? Hints = null)
{
    public const string FileName = "course/source.pack";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>The pack in <paramref name="root"/>, or null if there is none.</summary>
    /// <exception cref="InvalidDataException">The pack is damaged.</exception>
    public static CoursePack? Read(string root)
    {
        var path = Path.Combine(root, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            using var file = File.OpenRead(path);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            return JsonSerializer.Deserialize<CoursePack>(gzip, Json) ?? throw new InvalidDataException($"{FileName} is empty.");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException)
        {
            throw new InvalidDataException($"{FileName} is damaged ({e.Message}): get it again from the copy of the course you started from.", e);
        }
    }

    public void Write(string root)
    {
        var path = Path.Combine(root, FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.SmallestSize);
        JsonSerializer.Serialize(gzip, this, Json);
    }

    [GeneratedRegex(@"^\s*//@(?<verb>since|before|todo|starter|end)\b")]
    private static partial Regex Directive();

    /// <summary>The pack of <paramref name="files"/>; without answers, each TODO block keeps only its directives and its stand-in.</summary>
    public static CoursePack From(IEnumerable<(string Rel, string Text)> files, bool answers,
        IReadOnlyDictionary<int, IReadOnlyDictionary<string, IReadOnlyList<string>>>? hints = null) =>
        new(answers, files.ToDictionary(f => f.Rel, f => answers ? f.Text : WithoutAnswers(f.Text), StringComparer.Ordinal), hints);

    /// <summary>The source without the reference's code of any TODO (the lines between //@todo and its //@starter or //@end).</summary>
    public static string WithoutAnswers(string text)
    {
        var kept = new List<string>();
        var inTodo = false;
        var depth = 0;
        foreach (var line in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var verb = Directive().Match(line) is { Success: true } m ? m.Groups["verb"].Value : null;
            if (!inTodo)
            {
                kept.Add(line);
                inTodo = verb == "todo";
                depth = 0;
                continue;
            }
            switch (verb)
            {
                case "since" or "before":
                    depth++;
                    break;
                case "end" when depth > 0:
                    depth--;
                    break;
                case "end" or "starter" when depth == 0:
                    kept.Add(line);
                    inTodo = false;
                    // After //@starter come the stand-in's lines (//~ ...), kept, up to the block's //@end.
                    break;
            }
        }
        return string.Join('\n', kept);
    }
}
