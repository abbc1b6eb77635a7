using System.Buffers.Binary;
using System.Text;

namespace ObjectStore.FileSystem.Meta;

/// <summary>
/// Where each record of a volume lives, all under <c>fs/{volume}/</c> (JuiceFS's tkv layout). Inode numbers and
/// chunk indexes are big-endian so that keys sort numerically; names are UTF-8, so a directory's entries sort by
/// name and a listing is one range read.
/// <code>
/// setting                 volume format (written once)
/// C{name}                 counter: nextInode, nextSlice, usedSpace, totalInodes
/// A{ino}I                 attributes of an inode
/// A{ino}D{name}           directory entry: child type + inode
/// A{ino}C{chunk}          slice list of a chunk
/// A{ino}S                 symlink target
/// A{ino}X{name}           extended attribute
/// F{ino}                  deleted inode whose chunks and leftover keys are still to be removed
/// G{id}                   chunk cut off by a truncate, its slices still to be queued
/// K{slice}                deleted-slice queue: slice size and when it was queued
/// SE{session}             live session (attached to the session's lease)
/// SS{session}{ino}        file kept by a session: unlinked while open
/// </code>
/// </summary>
internal sealed class Keys(string volume)
{
    private readonly byte[] _prefix = Encoding.UTF8.GetBytes($"fs/{volume}/");

    public byte[] Setting => Make("setting"u8);

    public byte[] Counter(string name) => Make("C"u8, Encoding.UTF8.GetBytes(name));

    public byte[] Attributes(ulong inode) => InodeKey(inode, (byte)'I');

    public byte[] DirectoryEntry(ulong parent, string name) => Make(InodePart(parent, (byte)'D'), Encoding.UTF8.GetBytes(name));

    public byte[] DirectoryEntryAfter(ulong parent, string name) => Make(InodePart(parent, (byte)'D'), Encoding.UTF8.GetBytes(name), [0]);

    public byte[] DirectoryEntriesStart(ulong parent) => InodeKey(parent, (byte)'D');

    public byte[] DirectoryEntriesEnd(ulong parent) => InodeKey(parent, (byte)'D' + 1);

    public byte[] Chunk(ulong inode, uint index)
    {
        Span<byte> be = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(be, index);
        return Make(InodePart(inode, (byte)'C'), be);
    }

    public byte[] ChunksEnd(ulong inode) => InodeKey(inode, (byte)'C' + 1);

    public byte[] Symlink(ulong inode) => InodeKey(inode, (byte)'S');

    public byte[] ExtendedAttribute(ulong inode, string name) => Make(InodePart(inode, (byte)'X'), Encoding.UTF8.GetBytes(name));

    public byte[] ExtendedAttributesStart(ulong inode) => InodeKey(inode, (byte)'X');

    public byte[] ExtendedAttributesEnd(ulong inode) => InodeKey(inode, (byte)'X' + 1);

    /// <summary>Every key of an inode: [A{ino}, A{ino+1}).</summary>
    public (byte[] From, byte[] To) Inode(ulong inode) => (Make("A"u8, BigEndian(inode)), Make("A"u8, BigEndian(inode + 1)));

    public byte[] DeletedFile(ulong inode) => Make("F"u8, BigEndian(inode));

    public (byte[] From, byte[] To) DeletedFiles => (Make("F"u8), Make("G"u8));

    public byte[] GarbageChunk(ulong id) => Make("G"u8, BigEndian(id));

    public (byte[] From, byte[] To) GarbageChunks => (Make("G"u8), Make("H"u8));

    public byte[] DeletedSlice(ulong id) => Make("K"u8, BigEndian(id));

    public (byte[] From, byte[] To) DeletedSlices => (Make("K"u8), Make("L"u8));

    public byte[] Session(long session) => Make("SE"u8, BigEndian((ulong)session));

    public byte[] Sustained(long session, ulong inode) => Make("SS"u8, BigEndian((ulong)session), BigEndian(inode));

    public (byte[] From, byte[] To) AllSustained => (Make("SS"u8), Make("ST"u8));

    /// <summary>Whether a key of an inode's range is one of its chunks.</summary>
    public bool IsChunk(byte[] key) => key.Length == _prefix.Length + 14 && key[_prefix.Length + 9] == (byte)'C';

    /// <summary>The inode of an attributes key (A{ino}I); null for any other key.</summary>
    public ulong? AttributesInode(byte[] key) =>
        key.Length == _prefix.Length + 10 && key[_prefix.Length] == (byte)'A' && key[_prefix.Length + 9] == (byte)'I' && key.AsSpan(0, _prefix.Length).SequenceEqual(_prefix)
            ? BinaryPrimitives.ReadUInt64BigEndian(key.AsSpan(_prefix.Length + 1))
            : null;

    /// <summary>The inode of any key of an inode's range (A{ino}...); null for any other key.</summary>
    public ulong? InodeOf(byte[] key) =>
        key.Length >= _prefix.Length + 9 && key[_prefix.Length] == (byte)'A' && key.AsSpan(0, _prefix.Length).SequenceEqual(_prefix)
            ? BinaryPrimitives.ReadUInt64BigEndian(key.AsSpan(_prefix.Length + 1))
            : null;

    /// <summary>The directory and name of a directory-entry key (A{ino}D{name}); null for any other key.</summary>
    public (ulong Parent, string Name)? DirectoryEntryParts(byte[] key) =>
        key.Length > _prefix.Length + 10 && key[_prefix.Length] == (byte)'A' && key[_prefix.Length + 9] == (byte)'D' && key.AsSpan(0, _prefix.Length).SequenceEqual(_prefix)
            ? (BinaryPrimitives.ReadUInt64BigEndian(key.AsSpan(_prefix.Length + 1)), EntryName(key))
            : null;

    /// <summary>Name part of a directory-entry key.</summary>
    public string EntryName(byte[] key) => Encoding.UTF8.GetString(key.AsSpan(_prefix.Length + 10));

    /// <summary>Name part of an extended-attribute key.</summary>
    public string ExtendedAttributeName(byte[] key) => Encoding.UTF8.GetString(key.AsSpan(_prefix.Length + 10));

    /// <summary>Chunk index of a chunk key.</summary>
    public uint ChunkIndex(byte[] key) => BinaryPrimitives.ReadUInt32BigEndian(key.AsSpan(_prefix.Length + 10));

    /// <summary>Inode of a deleted-file key.</summary>
    public ulong DeletedFileInode(byte[] key) => BinaryPrimitives.ReadUInt64BigEndian(key.AsSpan(_prefix.Length + 1));

    /// <summary>Slice id of a deleted-slice key.</summary>
    public ulong DeletedSliceId(byte[] key) => BinaryPrimitives.ReadUInt64BigEndian(key.AsSpan(_prefix.Length + 1));

    /// <summary>Session and inode of a sustained-file key.</summary>
    public (long Session, ulong Inode) SustainedParts(byte[] key) =>
        ((long)BinaryPrimitives.ReadUInt64BigEndian(key.AsSpan(_prefix.Length + 2)), BinaryPrimitives.ReadUInt64BigEndian(key.AsSpan(_prefix.Length + 10)));

    private byte[] InodeKey(ulong inode, byte kind) => Make(InodePart(inode, kind));

    private static byte[] InodePart(ulong inode, byte kind)
    {
        var part = new byte[10];
        part[0] = (byte)'A';
        BinaryPrimitives.WriteUInt64BigEndian(part.AsSpan(1), inode);
        part[9] = kind;
        return part;
    }

    private static byte[] BigEndian(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }

    private byte[] Make(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b = default, ReadOnlySpan<byte> c = default)
    {
        var key = new byte[_prefix.Length + a.Length + b.Length + c.Length];
        _prefix.CopyTo(key, 0);
        a.CopyTo(key.AsSpan(_prefix.Length));
        b.CopyTo(key.AsSpan(_prefix.Length + a.Length));
        c.CopyTo(key.AsSpan(_prefix.Length + a.Length + b.Length));
        return key;
    }
}
