// Reference solution, generated from course/source by tools/chaptergen. Edit the source, not this file.
using System.Text.Json.Serialization;

namespace Raft;

/// <summary>
/// The wire format's serializer, generated at compile time (System.Text.Json source generation: no reflection, so it is
/// fast from the first message and trims well). It is strict on purpose, because a frame comes from outside the
/// node: a property it does not know, a missing constructor parameter (a RequestVote without its term) or a null where
/// the type says none is an error, never a message with a silent 0 in it.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(WireMessage))]
public sealed partial class WireJsonContext : JsonSerializerContext;
