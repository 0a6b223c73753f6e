using System.Text;
using System.Text.RegularExpressions;

namespace Course.Carry;

/// <summary>Something about the learner's code that a carry could not keep as it was, with where it was.</summary>
/// <param name="File">The learner's file (relative to the repository), or the new chapter's.</param>
public sealed record CarryNote(string File, int Line, string Sentence)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}: {Sentence}" : $"{File}: {Sentence}";
}

/// <summary>The files a carry writes into the next chapter's folder, and what it could not keep.</summary>
public sealed record CarryPlan(int From, int To, IReadOnlyDictionary<string, string> Files, IReadOnlyList<CarryNote> Notes);

/// <summary>
/// Carries a learner's code forward: chapter N+1's starter made from the learner's chapter N (their code for every TODO
/// of chapters 1 to N, and whatever helpers they added) and what chapter N+1 adds (new files, new given code, the new
/// TODOs as stubs). It is a three-way merge per file, whose common ancestor is chapter N with every TODO as a stub:
/// <list type="bullet">
/// <item>ancestor → the learner's files: everything the learner wrote;</item>
/// <item>ancestor → chapter N+1, its TODOs up to N still stubs: everything the course changes.</item>
/// </list>
/// The two touch different lines, because the course never changes lines inside a TODO of an earlier chapter (a
/// consistency test holds it to that); where they do meet, the course's lines win and the learner is told, with
/// <c>file:line</c>: a TODO the new chapter retires (its code is rewritten by a TODO of the new chapter), or given code
/// the learner edited where the new chapter changes it. Nothing is dropped without a note, and the learner's files are
/// backed up before anything is written.
/// </summary>
public static partial class Carrier
{
    [GeneratedRegex(@"^\s*// TODO\(ch(?<nn>\d{2})\): (?<id>[A-Za-z][A-Za-z0-9]*):")]
    private static partial Regex StubComment();

    /// <summary>What chapter <paramref name="from"/> + 1's starter becomes with the learner's chapter <paramref name="from"/> in it.</summary>
    /// <param name="learner">The learner's chapter <paramref name="from"/>: its files by path relative to its folder (.cs and the project).</param>
    public static CarryPlan Plan(ChapterGenerator generator, int from, IReadOnlyDictionary<string, string> learner)
    {
        var to = from + 1;
        var course = generator.Course;
        // The ancestor: chapter N as its starter is, but with every earlier TODO a stub too.
        var ancestor = generator.Render(from, Variant.Starter, t => t < from ? TodoForm.Stub : TodoForm.Starter);
        // The course's side: chapter N+1 with chapter N's TODOs as in the ancestor.
        var next = generator.Render(to, Variant.Starter, t => t < from ? TodoForm.Stub : TodoForm.Starter);
        var plan = Merge(course[from], course[to], ancestor, next, learner, keepOurs: _ => false);
        // The README names where each TODO stands: in the merged files, not in the course's rendering.
        var files = new SortedDictionary<string, string>(plan.Files.ToDictionary(), StringComparer.Ordinal)
        {
            ["README.md"] = Readme(generator, course[to], plan.Files),
        };
        return plan with { Files = files };
    }

    /// <summary>
    /// Chapter <paramref name="chapter"/> with the reference's code for its own TODOs and the learner's for everything
    /// else (the learner's earlier chapters, helpers). Only in a course that has the answers.
    /// </summary>
    public static CarryPlan Reference(ChapterGenerator generator, int chapter, IReadOnlyDictionary<string, string> learner)
    {
        var ancestor = generator.Render(chapter, Variant.Starter, t => t < chapter ? TodoForm.Stub : TodoForm.Starter);
        var reference = generator.Render(chapter, Variant.Starter, t => t < chapter ? TodoForm.Stub : TodoForm.Solution);
        var ch = generator.Course[chapter];
        // The learner's own code for this chapter's TODOs gives way to the reference's.
        return Merge(ch, ch, ancestor, reference, learner, keepOurs: chunk => chunk.Base!.Any(l => StubComment().Match(l) is { Success: true } m && int.Parse(m.Groups["nn"].Value, System.Globalization.CultureInfo.InvariantCulture) == chapter));
    }

    private static CarryPlan Merge(Chapter fromCh, Chapter toCh, IReadOnlyDictionary<string, string> ancestor, IReadOnlyDictionary<string, string> next,
        IReadOnlyDictionary<string, string> learner, Func<MergeChunk, bool> keepOurs)
    {
        var notes = new List<CarryNote>();
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var learnerDir = fromCh.StarterDir;
        foreach (var rel in next.Keys.Union(learner.Keys).Union(ancestor.Keys).Order(StringComparer.Ordinal))
        {
            next.TryGetValue(rel, out var ours);
            learner.TryGetValue(rel, out var theirs);
            ancestor.TryGetValue(rel, out var @base);
            if (!rel.EndsWith(".cs", StringComparison.Ordinal))
            {
                // The project and the README belong to the course: the new chapter's.
                if (ours is not null)
                {
                    files[rel] = ours;
                }
                if (theirs is not null && @base is not null && Normalize(theirs) != Normalize(@base) && rel.EndsWith(".csproj", StringComparison.Ordinal))
                {
                    notes.Add(new CarryNote($"{learnerDir}/{rel}", 0, $"you changed the project file; chapter {toCh.Number} has its own, and your change is not in it (your file is in the backup)."));
                }
                continue;
            }
            if (ours is null)
            {
                if (theirs is not null && @base is null)
                {
                    files[rel] = theirs; // a file of the learner's own
                }
                else if (theirs is not null && Normalize(theirs) != Normalize(@base!))
                {
                    notes.Add(new CarryNote($"{learnerDir}/{rel}", 0, $"chapter {toCh.Number} no longer has this file; what you changed in it is in the backup."));
                }
                continue;
            }
            if (theirs is null)
            {
                files[rel] = ours;
                if (@base is not null)
                {
                    notes.Add(new CarryNote($"{toCh.StarterDir}/{rel}", 0, "you had deleted this file; the course needs it, so it is back."));
                }
                continue;
            }
            if (@base is null)
            {
                // A file of the learner's own that chapter N+1 adds too, with the same name: nothing to merge them from.
                files[rel] = ours;
                if (Normalize(ours) != Normalize(theirs))
                {
                    notes.Add(new CarryNote($"{learnerDir}/{rel}", 0,
                        $"chapter {toCh.Number} adds a file of this name, so it has the course's; yours is in the backup (rename it to bring it back)."));
                }
                continue;
            }
            var merged = MergeFile(rel, @base, ours, theirs, learnerDir, toCh, notes, keepOurs);
            files[rel] = merged;
        }
        return new CarryPlan(fromCh.Number, toCh.Number, files, notes);
    }

    private static string Normalize(string s) => s.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n');

    private static string[] Lines(string s) => Normalize(s).Split('\n');

    private static string MergeFile(string rel, string @base, string ours, string theirs, string learnerDir, Chapter toCh, List<CarryNote> notes,
        Func<MergeChunk, bool> keepOurs)
    {
        var oursText = Normalize(ours);
        var chunks = Merge3.Merge(Lines(@base), Lines(ours), Lines(theirs), (b, o, t) =>
        {
            // Both sides only added lines here (a helper of the learner's beside a method the course adds): keep both.
            if (b.Count == 0)
            {
                return [.. o, .. t];
            }
            return o;
        });
        var sb = new StringBuilder();
        foreach (var chunk in chunks)
        {
            var lines = chunk.Lines;
            if (chunk.Conflict && chunk.Base!.Count > 0)
            {
                var at = chunk.TheirsAt + 1;
                var retired = chunk.Base!.Select(l => StubComment().Match(l)).Where(m => m.Success)
                    .Select(m => m.Groups["id"].Value).FirstOrDefault(id => !oursText.Contains($": {id}:", StringComparison.Ordinal));
                if (keepOurs(chunk))
                {
                    notes.Add(new CarryNote($"{learnerDir}/{rel}", at, "your code here gives way to the reference's (it is in the backup)."));
                }
                else if (retired is not null)
                {
                    notes.Add(new CarryNote($"{learnerDir}/{rel}", at,
                        $"chapter {toCh.Number} rewrites the code of TODO {retired} (a TODO of chapter {toCh.Number} takes its place), so your version of it " +
                        "is not carried; it is in the backup, to start from."));
                }
                else
                {
                    notes.Add(new CarryNote($"{learnerDir}/{rel}", at,
                        $"you changed these lines ({chunk.Theirs!.Count} of them) and chapter {toCh.Number} changes them too: chapter {toCh.Number}'s are kept, " +
                        "and yours are in the backup. If they mattered, bring them back by hand."));
                }
            }
            foreach (var line in lines)
            {
                sb.Append(line).Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>A starter's README, with each open TODO of the chapter where it stands in <paramref name="files"/>.</summary>
    public static string Readme(ChapterGenerator generator, Chapter ch, IReadOnlyDictionary<string, string> files)
    {
        var instructions = generator.Todos(ch.Number).ToDictionary(t => t.Id, t => t.Instruction);
        var todos = new List<TodoItem>();
        foreach (var (rel, text) in files.Where(f => f.Key.EndsWith(".cs", StringComparison.Ordinal)).OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var lines = Lines(text);
            for (var i = 0; i < lines.Length; i++)
            {
                if (StubComment().Match(lines[i]) is { Success: true } m && m.Groups["nn"].Value == ch.Nn)
                {
                    var id = m.Groups["id"].Value;
                    todos.Add(new TodoItem(ch.Number, id, instructions.GetValueOrDefault(id, ""), rel, i + 1));
                }
            }
        }
        return ChapterGenerator.StarterReadme(ch, todos);
    }
}
