using System.Globalization;
using System.Text;

namespace Raft.Simulation.Linearizability;

/// <summary>
/// One client operation on the key-value store, as the client saw it: invoked at <see cref="Invoke"/>, answered at
/// <see cref="Complete"/> (both in any ticks that only need to be comparable). The interval is closed: an operation
/// invoked at the very tick another completed counts as concurrent with it, since the clock cannot tell them apart.
/// </summary>
/// <param name="Client">Which client ran it; a client's operations are drawn in one lane.</param>
/// <param name="Kind">Get, put or append.</param>
/// <param name="Key">The key it reads or writes.</param>
/// <param name="Value">The argument of a put or append; null for a get.</param>
/// <param name="Output">The value a get returned; null means the key was missing (not the same as "").</param>
/// <param name="Invoke">When the client sent it.</param>
/// <param name="Complete">When the client heard back; <see cref="Never"/> for an unknown outcome.</param>
/// <param name="Outcome">Whether it took effect: known, definitely not, or maybe.</param>
public sealed record Operation(int Client, OperationKind Kind, string Key, string? Value, string? Output, long Invoke, long Complete, Outcome Outcome)
{
    /// <summary>The completion time of an operation whose outcome is unknown: it may take effect arbitrarily late.</summary>
    public const long Never = long.MaxValue;

    // Values longer than this are shortened in text, so an explanation of a long append history stays readable.
    private const int ShownValueLength = 48;

    /// <summary>A get that returned <paramref name="output"/> (null: the key was missing).</summary>
    public static Operation Get(int client, string key, string? output, long invoke, long complete, Outcome outcome = Outcome.Ok) =>
        new(client, OperationKind.Get, key, null, output, invoke, outcome == Outcome.Unknown ? Never : complete, outcome);

    /// <summary>A put of <paramref name="value"/>.</summary>
    public static Operation Put(int client, string key, string value, long invoke, long complete, Outcome outcome = Outcome.Ok) =>
        new(client, OperationKind.Put, key, value, null, invoke, outcome == Outcome.Unknown ? Never : complete, outcome);

    /// <summary>An append of <paramref name="value"/>.</summary>
    public static Operation Append(int client, string key, string value, long invoke, long complete, Outcome outcome = Outcome.Ok) =>
        new(client, OperationKind.Append, key, value, null, invoke, outcome == Outcome.Unknown ? Never : complete, outcome);

    /// <summary>This operation with an unknown outcome: it may take effect any time after its invocation, or never.</summary>
    public Operation AsUnknown() => this with { Outcome = Outcome.Unknown, Complete = Never };

    /// <summary>This operation refused: it did not take effect.</summary>
    public Operation AsFailed() => this with { Outcome = Outcome.Failed };

    /// <summary>Whether it changes the value (a put or an append).</summary>
    public bool IsWrite => Kind != OperationKind.Get;

    /// <summary>The short form drawn on a bar: "put x=1", "append x+=b", "get x→1".</summary>
    public string Label => Kind switch
    {
        OperationKind.Put => $"put {Key}={Shorten(Value ?? "", 16)}",
        OperationKind.Append => $"append {Key}+={Shorten(Value ?? "", 16)}",
        _ when Outcome == Outcome.Unknown => $"get {Key}→?",
        _ => $"get {Key}→{(Output is null ? "(missing)" : Shorten(Output, 16))}",
    };

    /// <summary>Reads like <c>c2 append x "b" [10..25] ok</c> or <c>c1 get x → missing [30..40] ok</c>.</summary>
    public override string ToString()
    {
        var what = Kind switch
        {
            OperationKind.Put => $"put {Key} {Quote(Value)}",
            OperationKind.Append => $"append {Key} {Quote(Value)}",
            _ when Outcome == Outcome.Unknown => $"get {Key} → ?",
            _ => $"get {Key} → {Quote(Output)}",
        };
        // An unknown operation has no end the client knows of, whatever Complete holds.
        var end = Outcome == Outcome.Unknown || Complete == Never ? "?" : Complete.ToString(CultureInfo.InvariantCulture);
        var outcome = Outcome switch
        {
            Outcome.Ok => "ok",
            Outcome.Failed => "failed",
            _ => "unknown",
        };
        return string.Create(CultureInfo.InvariantCulture, $"c{Client} {what} [{Invoke}..{end}] {outcome}");
    }

    /// <summary>A value as text: quoted and escaped, "missing" for null, long ones shortened in the middle.</summary>
    public static string Quote(string? value)
    {
        if (value is null)
        {
            return "missing";
        }
        var shortened = value.Length > ShownValueLength;
        var shown = shortened ? $"{value[..(ShownValueLength / 2)]}…{value[^(ShownValueLength / 2)..]}" : value;
        var sb = new StringBuilder(shown.Length + 2).Append('"');
        foreach (var c in shown)
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case < ' ':
                    sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
        if (shortened)
        {
            sb.Append(CultureInfo.InvariantCulture, $" ({value.Length} chars)");
        }
        return sb.ToString();
    }

    private static string Shorten(string value, int length) => value.Length > length ? value[..(length - 1)] + "…" : value;
}
