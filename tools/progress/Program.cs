using Course;
using Progress;

try
{
    var root = CourseManifest.FindRoot(Directory.GetCurrentDirectory());
    return new ProgressApp(root, Console.Out, Console.Error).Run(args);
}
catch (InvalidDataException e)
{
    Console.Error.WriteLine($"progress: {e.Message}");
    return 2;
}
