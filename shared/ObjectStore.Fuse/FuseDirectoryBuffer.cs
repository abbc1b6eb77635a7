using System.Text;
using ObjectStore.Fuse.Native;

namespace ObjectStore.Fuse;

/// <summary>
/// The reply buffer of one readdir or readdirplus request: entries are packed in the kernel's format as they are added,
/// until the size the kernel asked for is reached.
/// </summary>
public sealed unsafe class FuseDirectoryBuffer
{
    private readonly nint _request;
    private readonly byte* _buffer;
    private readonly int _capacity;
    private readonly FuseMountOptions _options;
    private int _used;

    internal FuseDirectoryBuffer(nint request, byte* buffer, int capacity, bool plus, FuseMountOptions options)
    {
        _request = request;
        _buffer = buffer;
        _capacity = capacity;
        _options = options;
        Plus = plus;
    }

    /// <summary>True for readdirplus: the attributes added are cached by the kernel as if looked up.</summary>
    public bool Plus { get; }

    /// <summary>Entries added so far.</summary>
    public int Count { get; private set; }

    internal int Used => _used;

    internal byte* Buffer => _buffer;

    internal void Free() => System.Runtime.InteropServices.NativeMemory.Free(_buffer);

    /// <summary>
    /// Appends one entry with its attributes (for readdirplus the kernel caches them as if looked up; for plain readdir
    /// only the inode and the type bits are used).
    /// </summary>
    /// <param name="nextOffset">The offset the kernel passes back to continue after this entry (never 0).</param>
    /// <returns>False when the entry does not fit: the reply is full, stop adding.</returns>
    public bool TryAdd(string name, FuseAttributes attributes, long nextOffset) => Add(name, attributes, nextOffset, withAttributes: true);

    /// <summary>
    /// Appends one entry without attributes: in readdirplus the kernel then looks it up when it is used (".", "..",
    /// or a listing fetched without attributes).
    /// </summary>
    public bool TryAdd(string name, ulong inode, uint mode, long nextOffset) =>
        Add(name, new FuseAttributes(inode, mode, 0, 0, 0, 0, 0, 0, 0, 0), nextOffset, withAttributes: false);

    private bool Add(string name, FuseAttributes attributes, long nextOffset, bool withAttributes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(nextOffset, 0);
        var length = Encoding.UTF8.GetByteCount(name);
        Span<byte> stackName = length < 512 ? stackalloc byte[length + 1] : new byte[length + 1];
        Encoding.UTF8.GetBytes(name, stackName);
        stackName[length] = 0;
        var lib = LibFuse.Instance;
        var remaining = (nuint)(_capacity - _used);
        nuint size;
        fixed (byte* namePointer = stackName)
        {
            if (Plus)
            {
                var entry = FuseReplies.ToEntry(attributes, _options);
                if (!withAttributes)
                {
                    entry.Inode = 0; // "no attributes": the kernel neither caches the entry nor counts a lookup
                }

                size = lib.AddDirectoryEntryPlus(_request, _buffer + _used, remaining, namePointer, &entry, nextOffset);
            }
            else
            {
                var stat = default(NativeStat);
                stat.Inode = attributes.Inode;
                stat.Mode = attributes.Mode;
                size = lib.AddDirectoryEntry(_request, _buffer + _used, remaining, namePointer, &stat, nextOffset);
            }
        }

        if (size > remaining)
        {
            return false;
        }

        _used += (int)size;
        Count++;
        return true;
    }
}
