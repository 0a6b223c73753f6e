using Course;

// chaptergen: keeps every chapter's starter and solution in step with the one annotated source.
//   write            regenerate solutions/NN-* and chapters/NN-* for every chapter (maintainers only:
//                    it overwrites chapters/, so do not run it in a learner's working copy)
//   write-solutions  regenerate solutions/NN-* only
//   check            exit 1 and list the files that differ from what the source generates
//   pristine N DIR   write chapter N's untouched starter into DIR (used to prove the gate)
const string Usage =
    "usage: dotnet run --project tools/chaptergen -- write | write-solutions | check | pristine <chapter> <dir>";

try
{
    var root = CourseManifest.FindRoot(Directory.GetCurrentDirectory());
    var generator = new ChapterGenerator(CourseManifest.Load(root));
    switch (args)
    {
        case ["write"]:
        case ["write-solutions"]:
            foreach (var ch in generator.Course.Available)
            {
                generator.Write(ch.Number, Variant.Solution, Path.Combine(root, ch.SolutionDir));
                Console.WriteLine($"wrote {ch.SolutionDir}");
                if (args[0] == "write")
                {
                    generator.Write(ch.Number, Variant.Starter, Path.Combine(root, ch.StarterDir));
                    Console.WriteLine($"wrote {ch.StarterDir}");
                }
            }
            return 0;
        case ["check"]:
            var problems = generator.Check(includeStarters: true);
            foreach (var p in problems)
            {
                Console.Error.WriteLine(p);
            }
            Console.WriteLine(problems.Count == 0
                ? "every chapter is in step with " + generator.Course.SourceDir
                : $"{problems.Count} file(s) out of step: run `dotnet run --project tools/chaptergen -- write` and commit");
            return problems.Count == 0 ? 0 : 1;
        case ["pristine", var n, var dir] when int.TryParse(n, out var number):
            generator.Write(generator.Course[number].Number, Variant.Starter, Path.GetFullPath(dir));
            Console.WriteLine($"wrote the starter of chapter {number} to {Path.GetFullPath(dir)}");
            return 0;
        default:
            Console.Error.WriteLine(Usage);
            return 2;
    }
}
catch (Exception e) when (e is InvalidDataException or ArgumentOutOfRangeException or IOException)
{
    Console.Error.WriteLine($"chaptergen: {e.Message}");
    return 2;
}
