namespace Raft.Simulation;

/// <summary>
/// Derives independent random streams from one seed (SplitMix64), so that a node's randomness does
/// not shift when another node, or the network, draws one number more or less.
/// </summary>
public static class Seeds
{
    public static int Derive(long seed, int stream, int a = 0, int b = 0)
    {
        var x = Mix((ulong)seed);
        x = Mix(x ^ (ulong)(uint)stream);
        x = Mix(x ^ ((ulong)(uint)a << 32 | (uint)b));
        return (int)(x & 0x7FFF_FFFF);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }
}
