using System.CommandLine;

namespace Course;

/// <summary>
/// How every tool of the course reads its command line (System.CommandLine): `--help` everywhere, and a wrong
/// argument gets one sentence, the usage and exit code 2.
/// </summary>
public static class Cli
{
    /// <summary>A command-line argument that is wrong in a way the parser cannot see (a chapter out of range, say).</summary>
    public sealed class UsageException(string sentence) : Exception(sentence);

    /// <summary>Parses <paramref name="args"/> and runs the chosen command's action.</summary>
    /// <param name="tool">The tool's name, which starts every error line.</param>
    /// <param name="usage">A short usage, printed after an error; `--help` prints the full one.</param>
    /// <param name="missing">The sentence for a command given without its argument, by command name.</param>
    public static int Run(RootCommand root, string[] args, string tool, string usage, TextWriter output, TextWriter error,
        Func<string, string>? missing = null)
    {
        var parsed = root.Parse(args);
        if (Rejected(parsed, tool, usage, error, missing) is { } code)
        {
            return code;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            return Fail(tool, usage, error, e.Message);
        }
    }

    /// <summary>Exit code 2, after the sentence and the usage, if the parser found the command line wrong; else null.</summary>
    public static int? Rejected(ParseResult parsed, string tool, string usage, TextWriter error, Func<string, string>? missing = null) =>
        parsed.Errors.Count > 0 ? Fail(tool, usage, error, Sentence(parsed.Errors[0].Message, missing)) : null;

    public static int Fail(string tool, string usage, TextWriter error, string sentence)
    {
        error.WriteLine($"{tool}: {sentence}");
        error.WriteLine();
        error.WriteLine(usage);
        return 2;
    }

    // The parser's messages, said the way the rest of the course speaks.
    private static string Sentence(string message, Func<string, string>? missing)
    {
        const string unknown = "Unrecognized command or argument '", required = "Required argument missing for command: '";
        if (message.StartsWith(unknown, StringComparison.Ordinal))
        {
            return $"`{message[unknown.Length..].TrimEnd('.', '\'')}` is not a command, option or argument it knows.";
        }
        if (message.StartsWith(required, StringComparison.Ordinal))
        {
            var command = message[required.Length..].TrimEnd('.', '\'');
            return missing?.Invoke(command) ?? $"`{command}` needs an argument: see --help.";
        }
        return message;
    }
}
