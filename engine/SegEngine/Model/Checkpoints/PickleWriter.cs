using System.Buffers.Binary;
using System.Text;

namespace SegEngine.Model.Checkpoints;

/// <summary>
/// Writes a pickle (protocol 2, the one <c>torch.save</c> uses) opcode by opcode. The caller keeps the stack
/// discipline: values are pushed in the order Python's pickler would push them, then combined (tuple, call, items).
/// </summary>
/// <remarks>Opcodes as CPython's <c>pickle</c> module defines them; the inverse of <see cref="PickleReader"/>.</remarks>
internal sealed class PickleWriter
{
    private readonly MemoryStream buffer = new();

    public PickleWriter()
    {
        Op(0x80); // PROTO
        Op(2);
    }

    public void None() => Op((byte)'N');

    public void Bool(bool value) => Op(value ? (byte)0x88 : (byte)0x89); // NEWTRUE, NEWFALSE

    public void Int(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        if (value is >= 0 and <= byte.MaxValue)
        {
            Op((byte)'K'); // BININT1
            Op((byte)value);
        }
        else if (value is >= int.MinValue and <= int.MaxValue)
        {
            Op((byte)'J'); // BININT
            BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)value);
            buffer.Write(bytes[..4]);
        }
        else
        {
            Op(0x8a); // LONG1: 8 two's-complement bytes
            Op(8);
            BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
            buffer.Write(bytes);
        }
    }

    public void Float(double value)
    {
        Op((byte)'G'); // BINFLOAT, big-endian
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(bytes, value);
        buffer.Write(bytes);
    }

    public void String(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        Op((byte)'X'); // BINUNICODE
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, utf8.Length);
        buffer.Write(length);
        buffer.Write(utf8);
    }

    /// <summary>Pushes <c>module.name</c> (GLOBAL).</summary>
    public void Global(string module, string name)
    {
        Op((byte)'c');
        buffer.Write(Encoding.UTF8.GetBytes($"{module}\n{name}\n"));
    }

    /// <summary>Opens a tuple or an items run, closed by <see cref="Tuple"/> or <see cref="SetItems"/>.</summary>
    public void Mark() => Op((byte)'(');

    /// <summary>Packs everything since the last <see cref="Mark"/> into a tuple.</summary>
    public void Tuple() => Op((byte)'t');

    public void EmptyTuple() => Op((byte)')');

    public void EmptyDict() => Op((byte)'}');

    /// <summary>Adds the key/value pairs since the last <see cref="Mark"/> to the dict below them.</summary>
    public void SetItems() => Op((byte)'u');

    /// <summary>Calls the callable below the argument tuple on top (REDUCE).</summary>
    public void Reduce() => Op((byte)'R');

    /// <summary>Replaces the tuple on top by the object its persistent id names (BINPERSID).</summary>
    public void PersistentId() => Op((byte)'Q');

    /// <summary>Ends the pickle and returns its bytes.</summary>
    public byte[] Finish()
    {
        Op((byte)'.');
        return buffer.ToArray();
    }

    private void Op(byte value) => buffer.WriteByte(value);
}
