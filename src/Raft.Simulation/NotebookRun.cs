using System.Collections;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Raft.Simulation;

/// <summary>
/// What a notebook's file-based app (<c>notebooks/NN-slug.cs</c>, generated from the same source as the notebook) uses
/// in place of the notebook kernel: a heading for each cell, so the console says which cell of the notebook each part
/// matches, and <see cref="Display"/>, which prints what the cell would show (a timeline is written as an HTML file,
/// and its path printed).
/// </summary>
public static partial class NotebookRun
{
    private static string _slug = "";
    private static string _root = "";
    private static int _cell;
    private static string _title = "";
    private static int _pictures;
    private static readonly HashSet<string> _written = new(StringComparer.Ordinal);

    /// <summary>Where the repository is: the app's source file sits in its notebooks/ folder.</summary>
    public static void Start(string slug, string title, [CallerFilePath] string file = "")
    {
        _slug = slug;
        _root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file) ?? ".", ".."));
        Console.WriteLine($"Notebook {slug}: {title}");
        Console.WriteLine($"The same experiments as notebooks/{slug}.ipynb, in the console; the prose is in that notebook.");
        // A cell that throws ends the run, as it stops a notebook: with a sentence that names the cell, not a stack trace alone.
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            var error = e.ExceptionObject as Exception;
            var todo = error is NotImplementedException && error.Message.StartsWith("TODO(", StringComparison.Ordinal);
            Console.Out.Flush();
            Console.Error.WriteLine();
            Console.Error.WriteLine(todo
                ? $"Code cell {_cell} ({_title}) needs code you have not written yet: {error!.Message}"
                : $"Code cell {_cell} ({_title}) stopped: {error?.GetType().Name}: {error?.Message}");
            Console.Error.WriteLine(todo
                ? $"Write it (chapters/{slug}/README.md lists the TODOs), then run this again; `-p:Against=solutions` runs the reference."
                : error?.StackTrace);
            Environment.Exit(1);
        };
    }

    /// <summary>Marks the start of a code cell's part of the run.</summary>
    /// <param name="number">The code cell's number in the notebook, counting code cells only, from 1.</param>
    /// <param name="title">The heading of the notebook's section the cell is in.</param>
    public static void Cell(int number, string title)
    {
        _cell = number;
        _title = title;
        Console.WriteLine();
        Console.WriteLine($"── code cell {number} · {title} ──");
    }

    /// <summary>The end of the run.</summary>
    public static void End()
    {
        Console.WriteLine();
        Console.WriteLine(_pictures == 0
            ? $"Done: notebook {_slug} ran to the end."
            : $"Done: notebook {_slug} ran to the end; {_pictures} timeline{(_pictures == 1 ? "" : "s")} written to {Path.Combine("artifacts", "notebooks", _slug)}/ (open them in a browser).");
    }

    [GeneratedRegex("[^A-Za-z0-9]+")]
    private static partial Regex NotAWordCharacter();

    /// <summary>Prints what a notebook cell would show for <paramref name="value"/>.</summary>
    public static void Display(object? value)
    {
        switch (value)
        {
            case null:
                Console.WriteLine("null");
                break;
            case string text:
                Console.WriteLine(text);
                break;
            case TimelinePicture picture:
                _pictures++;
                var name = $"cell{_cell:00}-{NotAWordCharacter().Replace(picture.Title, "-").Trim('-').ToLowerInvariant()}";
                // Two pictures of the same title in one cell get two files, not one written over the other.
                var path = Path.Combine(_root, "artifacts", "notebooks", _slug, name + ".html");
                for (var n = 2; _written.Contains(path); n++)
                {
                    path = Path.Combine(_root, "artifacts", "notebooks", _slug, $"{name}-{n}.html");
                }
                _written.Add(path);
                var written = picture.Timeline.WriteHtml(path, picture.Title, $"Notebook {_slug}, code cell {_cell}: {_title}");
                Console.WriteLine($"Timeline: {picture.Title}");
                Console.WriteLine($"  written to {Path.GetRelativePath(Directory.GetCurrentDirectory(), written)}");
                break;
            case IEnumerable items:
                foreach (var item in items)
                {
                    Console.WriteLine(item?.ToString() ?? "null");
                }
                break;
            default:
                Console.WriteLine(value.ToString());
                break;
        }
    }
}
