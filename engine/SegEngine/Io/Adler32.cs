namespace SegEngine.Io;

/// <summary>The Adler-32 checksum of RFC 1950 (the zlib trailer), updated a span at a time.</summary>
internal struct Adler32
{
    private const uint Modulus = 65521;

    /// <summary>Bytes that can be summed before <c>b</c> could overflow 32 bits (zlib's NMAX).</summary>
    private const int Run = 5552;

    private uint a;

    private uint b;

    public Adler32()
    {
        a = 1;
    }

    /// <summary>The checksum of every byte given so far, as the zlib trailer stores it (big-endian on disk).</summary>
    public readonly uint Value => (b << 16) | a;

    public void Update(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            int n = Math.Min(data.Length, Run);
            foreach (byte x in data[..n])
            {
                a += x;
                b += a;
            }

            a %= Modulus;
            b %= Modulus;
            data = data[n..];
        }
    }
}
