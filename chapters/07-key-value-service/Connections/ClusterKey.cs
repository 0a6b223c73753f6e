using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Raft;

/// <summary>
/// A secret every member of a cluster (and every client allowed to use it) is started with. Without it, any process that
/// can reach a node's port can speak Raft to it: one forged RequestVote with a huge term deposes every leader. With it,
/// each connection opens with a challenge both sides answer with an HMAC of fresh random numbers, so the key itself never
/// crosses the network and an old answer cannot be replayed.
/// </summary>
public sealed class ClusterKey
{
    /// <summary>The fewest characters a key may have: a short key can be guessed offline from one recorded handshake.</summary>
    public const int MinLength = 16;

    /// <summary>How long each side waits for the other's next handshake frame.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);

    private readonly byte[] _secret;

    private ClusterKey(byte[] secret) => _secret = secret;

    /// <summary>A key from its text; null for none.</summary>
    /// <exception cref="ArgumentException">The key is shorter than <see cref="MinLength"/> characters.</exception>
    public static ClusterKey? From(string? text) =>
        string.IsNullOrEmpty(text) ? null
        : text.Length < MinLength ? throw new ArgumentException($"A cluster key has at least {MinLength} characters; this one has {text.Length}.", nameof(text))
        : new ClusterKey(Encoding.UTF8.GetBytes(text));

    /// <summary>The calling side: proves this process holds the key, and checks that the node it called does too.</summary>
    /// <exception cref="ClusterKeyException">The node closed the connection during the handshake, or does not hold the key.</exception>
    public async Task DialAsync(Stream stream, int from, int node, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HandshakeTimeout);
        var mine = Nonce();
        await stream.WriteAsync(Frames.Frame(MessageCodec.Encode(from, new PeerHello(from, mine))), timeout.Token);
        var challenge = await ReadAsync<PeerChallenge>(stream, $"node {node}", timeout.Token);
        if (!Matches(challenge.Proof, Sign("node", node, mine, challenge.Nonce)))
        {
            throw new ClusterKeyException($"node {node} answered the handshake without the cluster key: it is not a member of this cluster, or was started with another key");
        }
        await stream.WriteAsync(Frames.Frame(MessageCodec.Encode(from, new PeerProof(Sign("caller", from, challenge.Nonce, mine)))), timeout.Token);
    }

    /// <summary>
    /// The node's side: reads the caller's hello, proves this node holds the key, and checks the caller's proof. Returns
    /// the caller's id (0 for a client).
    /// </summary>
    /// <exception cref="ClusterKeyException">The caller did not open with the handshake, or does not hold the key.</exception>
    public async Task<int> AcceptAsync(Stream stream, int self, int maxFrameLength, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HandshakeTimeout);
        var hello = await ReadAsync<PeerHello>(stream, "the caller", timeout.Token, maxFrameLength);
        var mine = Nonce();
        await stream.WriteAsync(Frames.Frame(MessageCodec.Encode(self, new PeerChallenge(mine, Sign("node", self, hello.Nonce, mine)))), timeout.Token);
        var proof = await ReadAsync<PeerProof>(stream, $"the caller claiming to be {Who(hello.From)}", timeout.Token, maxFrameLength);
        return Matches(proof.Proof, Sign("caller", hello.From, mine, hello.Nonce))
            ? hello.From
            : throw new ClusterKeyException($"the caller claiming to be {Who(hello.From)} does not hold the cluster key");
    }

    private static string Who(int id) => id == 0 ? "a client" : $"node {id}";

    private static async Task<T> ReadAsync<T>(Stream stream, string who, CancellationToken cancellationToken, int maxFrameLength = Frames.DefaultMaxLength)
    {
        byte[]? payload;
        try
        {
            payload = await Frames.ReadAsync(stream, maxFrameLength, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new ClusterKeyException($"{who} did not go on with the cluster key handshake within {HandshakeTimeout.TotalSeconds:0} s");
        }
        catch (BadFrameException e)
        {
            throw new ClusterKeyException($"{who} broke off the cluster key handshake: {e.Message}");
        }
        if (payload is null)
        {
            throw new ClusterKeyException($"{who} closed the connection during the cluster key handshake: was it started with the same --cluster-key?");
        }
        var (_, message) = MessageCodec.Decode(payload);
        return message is T expected
            ? expected
            : throw new ClusterKeyException($"{who} sent a {message.GetType().Name} where the cluster key handshake expects a {typeof(T).Name}: " +
                                            "a node started with --cluster-key talks only to processes that hold the key");
    }

    private static string Nonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    // What is signed names the role and the id, so a node's proof cannot be sent back as a caller's.
    private string Sign(string role, int id, string first, string second) =>
        Convert.ToBase64String(HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{role}|{id}|{first}|{second}"))));

    private static bool Matches(string proof, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(proof), Encoding.UTF8.GetBytes(expected));
}

/// <summary>A connection failed the cluster key handshake; the message says which side lacked what.</summary>
public sealed class ClusterKeyException(string message) : IOException(message);
