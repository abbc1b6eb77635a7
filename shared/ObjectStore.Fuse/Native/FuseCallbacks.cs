using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace ObjectStore.Fuse.Native;

/// <summary>
/// The <c>struct fuse_lowlevel_ops</c> table: static entry points libfuse calls on its threads. Each decodes its
/// arguments (copying whatever libfuse frees when the callback returns: names, write data, file info) and hands the
/// request to <see cref="FuseMount.Run{T}"/>; none lets an exception reach native code.
/// </summary>
internal static unsafe partial class FuseCallbacks
{
    /// <summary>Slots of <c>struct fuse_lowlevel_ops</c> in libfuse 3.14 (44 function pointers, 352 bytes).</summary>
    private enum Slot
    {
        Init = 0,
        Destroy = 1,
        Lookup = 2,
        Forget = 3,
        GetAttr = 4,
        SetAttr = 5,
        ReadLink = 6,
        MakeNode = 7,
        MakeDirectory = 8,
        Unlink = 9,
        RemoveDirectory = 10,
        Symlink = 11,
        Rename = 12,
        Link = 13,
        Open = 14,
        Read = 15,
        Write = 16,
        Flush = 17,
        Release = 18,
        Fsync = 19,
        OpenDirectory = 20,
        ReadDirectory = 21,
        ReleaseDirectory = 22,
        FsyncDirectory = 23,
        StatFs = 24,
        SetXattr = 25,
        GetXattr = 26,
        ListXattr = 27,
        RemoveXattr = 28,
        Access = 29,
        Create = 30,
        ForgetMulti = 38,
        ReadDirectoryPlus = 41,
        Count = 44,
    }

    /// <summary>The table, built once; libfuse copies it into each session.</summary>
    public static (nint Pointer, int Size) Operations { get; } = Build();

    private static (nint, int) Build()
    {
        var size = (int)Slot.Count * sizeof(nint);
        var table = (nint*)NativeMemory.AllocZeroed((nuint)size);
        table[(int)Slot.Init] = (nint)(delegate* unmanaged<nint, NativeConnectionInfo*, void>)&Init;
        table[(int)Slot.Lookup] = (nint)(delegate* unmanaged<nint, ulong, byte*, void>)&Lookup;
        table[(int)Slot.Forget] = (nint)(delegate* unmanaged<nint, ulong, ulong, void>)&Forget;
        table[(int)Slot.GetAttr] = (nint)(delegate* unmanaged<nint, ulong, NativeFileInfo*, void>)&GetAttr;
        table[(int)Slot.SetAttr] = (nint)(delegate* unmanaged<nint, ulong, NativeStat*, int, NativeFileInfo*, void>)&SetAttr;
        table[(int)Slot.ReadLink] = (nint)(delegate* unmanaged<nint, ulong, void>)&ReadLink;
        table[(int)Slot.MakeNode] = (nint)(delegate* unmanaged<nint, ulong, byte*, uint, ulong, void>)&MakeNode;
        table[(int)Slot.MakeDirectory] = (nint)(delegate* unmanaged<nint, ulong, byte*, uint, void>)&MakeDirectory;
        table[(int)Slot.Unlink] = (nint)(delegate* unmanaged<nint, ulong, byte*, void>)&Unlink;
        table[(int)Slot.RemoveDirectory] = (nint)(delegate* unmanaged<nint, ulong, byte*, void>)&RemoveDirectory;
        table[(int)Slot.Symlink] = (nint)(delegate* unmanaged<nint, byte*, ulong, byte*, void>)&Symlink;
        table[(int)Slot.Rename] = (nint)(delegate* unmanaged<nint, ulong, byte*, ulong, byte*, uint, void>)&Rename;
        table[(int)Slot.Link] = (nint)(delegate* unmanaged<nint, ulong, ulong, byte*, void>)&Link;
        table[(int)Slot.Open] = (nint)(delegate* unmanaged<nint, ulong, NativeFileInfo*, void>)&Open;
        table[(int)Slot.Read] = (nint)(delegate* unmanaged<nint, ulong, nuint, long, NativeFileInfo*, void>)&Read;
        table[(int)Slot.Write] = (nint)(delegate* unmanaged<nint, ulong, byte*, nuint, long, NativeFileInfo*, void>)&Write;
        table[(int)Slot.Flush] = (nint)(delegate* unmanaged<nint, ulong, NativeFileInfo*, void>)&Flush;
        table[(int)Slot.Release] = (nint)(delegate* unmanaged<nint, ulong, NativeFileInfo*, void>)&Release;
        table[(int)Slot.Fsync] = (nint)(delegate* unmanaged<nint, ulong, int, NativeFileInfo*, void>)&Fsync;
        table[(int)Slot.OpenDirectory] = (nint)(delegate* unmanaged<nint, ulong, NativeFileInfo*, void>)&OpenDirectory;
        table[(int)Slot.ReadDirectory] = (nint)(delegate* unmanaged<nint, ulong, nuint, long, NativeFileInfo*, void>)&ReadDirectory;
        table[(int)Slot.ReleaseDirectory] = (nint)(delegate* unmanaged<nint, ulong, NativeFileInfo*, void>)&ReleaseDirectory;
        table[(int)Slot.StatFs] = (nint)(delegate* unmanaged<nint, ulong, void>)&StatFs;
        table[(int)Slot.SetXattr] = (nint)(delegate* unmanaged<nint, ulong, byte*, byte*, nuint, int, void>)&SetXattr;
        table[(int)Slot.GetXattr] = (nint)(delegate* unmanaged<nint, ulong, byte*, nuint, void>)&GetXattr;
        table[(int)Slot.ListXattr] = (nint)(delegate* unmanaged<nint, ulong, nuint, void>)&ListXattr;
        table[(int)Slot.RemoveXattr] = (nint)(delegate* unmanaged<nint, ulong, byte*, void>)&RemoveXattr;
        table[(int)Slot.Create] = (nint)(delegate* unmanaged<nint, ulong, byte*, uint, NativeFileInfo*, void>)&Create;
        table[(int)Slot.ForgetMulti] = (nint)(delegate* unmanaged<nint, nuint, ForgetData*, void>)&ForgetMulti;
        table[(int)Slot.ReadDirectoryPlus] = (nint)(delegate* unmanaged<nint, ulong, nuint, long, NativeFileInfo*, void>)&ReadDirectoryPlus;
        return ((nint)table, size);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ForgetData
    {
        public ulong Inode;
        public ulong Lookups;
    }

    private const int PathMax = 4096;
    private const int XattrNameMax = 255;

    [UnmanagedCallersOnly]
    private static void Init(nint userData, NativeConnectionInfo* connection)
    {
        try
        {
            ((FuseMount)GCHandle.FromIntPtr(userData).Target!).ApplyConnectionSettings(connection);
        }
        catch (Exception exception)
        {
            Console.Error.WriteLine($"fuse init: {exception}");
        }
    }

    // ------------------------------------------------------------------------------------------ names

    [UnmanagedCallersOnly]
    private static void Lookup(nint request, ulong parent, byte* name)
    {
        var mount = FuseMount.Of(request);
        try
        {
            if (mount.DecodeName(request, name) is not { } decoded)
            {
                return;
            }

            mount.Run(request, "lookup", (c, t) => mount.FileSystem.LookupAsync(c, parent, decoded, t),
                static (m, r, attributes) => m.ReplyEntry(r, attributes));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "lookup", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void Forget(nint request, ulong inode, ulong lookups)
    {
        var mount = FuseMount.Of(request);
        try
        {
            mount.FileSystem.Forget(inode, lookups);
        }
        catch (Exception exception)
        {
            Console.Error.WriteLine($"fuse forget: {exception}");
        }

        mount.Lib.ReplyNone(request);
    }

    [UnmanagedCallersOnly]
    private static void ForgetMulti(nint request, nuint count, ForgetData* forgets)
    {
        var mount = FuseMount.Of(request);
        try
        {
            for (nuint i = 0; i < count; i++)
            {
                mount.FileSystem.Forget(forgets[i].Inode, forgets[i].Lookups);
            }
        }
        catch (Exception exception)
        {
            Console.Error.WriteLine($"fuse forget: {exception}");
        }

        mount.Lib.ReplyNone(request);
    }

    [UnmanagedCallersOnly]
    private static void MakeNode(nint request, ulong parent, byte* name, uint mode, ulong rdev)
    {
        var mount = FuseMount.Of(request);
        try
        {
            if (mount.DecodeName(request, name) is not { } decoded)
            {
                return;
            }

            mount.Run(request, "mknod", (c, t) => mount.FileSystem.MakeNodeAsync(c, parent, decoded, mode, (uint)rdev, t),
                static (m, r, attributes) => m.ReplyEntry(r, attributes));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "mknod", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void MakeDirectory(nint request, ulong parent, byte* name, uint mode)
    {
        var mount = FuseMount.Of(request);
        try
        {
            if (mount.DecodeName(request, name) is not { } decoded)
            {
                return;
            }

            mount.Run(request, "mkdir", (c, t) => mount.FileSystem.MakeDirectoryAsync(c, parent, decoded, mode, t),
                static (m, r, attributes) => m.ReplyEntry(r, attributes));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "mkdir", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void Unlink(nint request, ulong parent, byte* name)
    {
        var mount = FuseMount.Of(request);
        try
        {
            if (mount.DecodeName(request, name) is not { } decoded)
            {
                return;
            }

            mount.Run(request, "unlink", (c, t) => mount.FileSystem.UnlinkAsync(c, parent, decoded, t));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "unlink", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void RemoveDirectory(nint request, ulong parent, byte* name)
    {
        var mount = FuseMount.Of(request);
        try
        {
            if (mount.DecodeName(request, name) is not { } decoded)
            {
                return;
            }

            mount.Run(request, "rmdir", (c, t) => mount.FileSystem.RemoveDirectoryAsync(c, parent, decoded, t));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "rmdir", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void Symlink(nint request, byte* target, ulong parent, byte* name)
    {
        var mount = FuseMount.Of(request);
        try
        {
            if (mount.DecodeName(request, name) is not { } decoded
                || mount.DecodeName(request, target, PathMax) is not { } decodedTarget)
            {
                return;
            }

            mount.Run(request, "symlink", (c, t) => mount.FileSystem.SymlinkAsync(c, decodedTarget, parent, decoded, t),
                static (m, r, attributes) => m.ReplyEntry(r, attributes));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "symlink", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void Rename(nint request, ulong parent, byte* name, ulong newParent, byte* newName, uint flags)
    {
        var mount = FuseMount.Of(request);
        try
        {
            if (mount.DecodeName(request, name) is not { } decoded
                || mount.DecodeName(request, newName) is not { } decodedNew)
            {
                return;
            }

            mount.Run(request, "rename", (c, t) => mount.FileSystem.RenameAsync(c, parent, decoded, newParent, decodedNew, flags, t));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "rename", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void Link(nint request, ulong inode, ulong newParent, byte* newName)
    {
        var mount = FuseMount.Of(request);
        try
        {
            if (mount.DecodeName(request, newName) is not { } decoded)
            {
                return;
            }

            mount.Run(request, "link", (c, t) => mount.FileSystem.LinkAsync(c, inode, newParent, decoded, t),
                static (m, r, attributes) => m.ReplyEntry(r, attributes));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "link", exception);
        }
    }

    // ------------------------------------------------------------------------------------------ attributes

    [UnmanagedCallersOnly]
    private static void GetAttr(nint request, ulong inode, NativeFileInfo* info)
    {
        var mount = FuseMount.Of(request);
        try
        {
            ulong? handle = info == null ? null : info->Handle;
            mount.Run(request, "getattr", (c, t) => mount.FileSystem.GetAttributesAsync(c, inode, handle, t),
                static (m, r, attributes) => m.ReplyAttributes(r, attributes));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "getattr", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void SetAttr(nint request, ulong inode, NativeStat* stat, int toSet, NativeFileInfo* info)
    {
        var mount = FuseMount.Of(request);
        try
        {
            var set = (SetAttributeBits)toSet;
            var changes = new FuseSetAttributes
            {
                Mode = set.HasFlag(SetAttributeBits.Mode) ? stat->Mode : null,
                Uid = set.HasFlag(SetAttributeBits.Uid) ? stat->Uid : null,
                Gid = set.HasFlag(SetAttributeBits.Gid) ? stat->Gid : null,
                Size = set.HasFlag(SetAttributeBits.Size) ? (ulong)stat->Size : null,
                AccessTimeNow = set.HasFlag(SetAttributeBits.AccessTimeNow),
                AccessTimeNs = set.HasFlag(SetAttributeBits.AccessTime) && !set.HasFlag(SetAttributeBits.AccessTimeNow)
                    ? FuseReplies.ToNanoseconds(stat->AccessSeconds, stat->AccessNanoseconds) : null,
                ModifyTimeNow = set.HasFlag(SetAttributeBits.ModifyTimeNow),
                ModifyTimeNs = set.HasFlag(SetAttributeBits.ModifyTime) && !set.HasFlag(SetAttributeBits.ModifyTimeNow)
                    ? FuseReplies.ToNanoseconds(stat->ModifySeconds, stat->ModifyNanoseconds) : null,
                ChangeTimeNs = set.HasFlag(SetAttributeBits.ChangeTime)
                    ? FuseReplies.ToNanoseconds(stat->ChangeSeconds, stat->ChangeNanoseconds) : null,
            };
            ulong? handle = info == null ? null : info->Handle;
            mount.Run(request, "setattr", (c, t) => mount.FileSystem.SetAttributesAsync(c, inode, changes, handle, t),
                static (m, r, attributes) => m.ReplyAttributes(r, attributes));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "setattr", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void ReadLink(nint request, ulong inode)
    {
        var mount = FuseMount.Of(request);
        try
        {
            mount.Run(request, "readlink", (c, t) => mount.FileSystem.ReadLinkAsync(c, inode, t),
                static (m, r, target) => m.ReplyString(r, target));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "readlink", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void StatFs(nint request, ulong inode)
    {
        var mount = FuseMount.Of(request);
        try
        {
            mount.Run(request, "statfs", (c, t) => mount.FileSystem.StatFsAsync(c, inode, t),
                static (m, r, statistics) =>
                {
                    var vfs = FuseReplies.ToStatVfs(statistics);
                    m.Lib.ReplyStatFs(r, &vfs);
                });
        }
        catch (Exception exception)
        {
            mount.Fail(request, "statfs", exception);
        }
    }

    // ------------------------------------------------------------------------------------------ files

    [UnmanagedCallersOnly]
    private static void Create(nint request, ulong parent, byte* name, uint mode, NativeFileInfo* info)
    {
        var mount = FuseMount.Of(request);
        try
        {
            if (mount.DecodeName(request, name) is not { } decoded)
            {
                return;
            }

            var flags = info->Flags;
            mount.Run(request, "create", (c, t) => mount.FileSystem.CreateAsync(c, parent, decoded, mode, flags, t),
                (m, r, created) => m.ReplyCreate(r, created, flags));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "create", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void Open(nint request, ulong inode, NativeFileInfo* info)
    {
        var mount = FuseMount.Of(request);
        try
        {
            var flags = info->Flags;
            mount.Run(request, "open", (c, t) => mount.FileSystem.OpenAsync(c, inode, flags, t),
                (m, r, opened) => m.ReplyOpen(r, opened, flags));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "open", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void Read(nint request, ulong inode, nuint size, long offset, NativeFileInfo* info)
    {
        var mount = FuseMount.Of(request);
        try
        {
            var handle = info->Handle;
            var length = (int)Math.Min(size, (nuint)(16 << 20));
            mount.Run(request, "read", (c, t) => mount.FileSystem.ReadOwnedAsync(c, inode, handle, offset, length, t),
                static (m, r, result) =>
            {
                try
                {
                    m.ReplyBuffer(r, result.Data.Span);
                }
                finally
                {
                    result.Owner?.Dispose();
                }
            });
        }
        catch (Exception exception)
        {
            mount.Fail(request, "read", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void Write(nint request, ulong inode, byte* data, nuint size, long offset, NativeFileInfo* info)
    {
        var mount = FuseMount.Of(request);
        try
        {
            var handle = info->Handle;
            var length = checked((int)size);
            // libfuse reuses its request buffer once we return: copy the data out.
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            new ReadOnlySpan<byte>(data, length).CopyTo(buffer);
            mount.Run(request, "write", (c, t) => WriteAsync(mount, c, inode, handle, offset, buffer, length, t),
                static (m, r, written) => m.Lib.ReplyWrite(r, (nuint)written));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "write", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void Flush(nint request, ulong inode, NativeFileInfo* info)
    {
        var mount = FuseMount.Of(request);
        try
        {
            var handle = info->Handle;
            mount.Run(request, "flush", (c, t) => mount.FileSystem.FlushAsync(c, inode, handle, t));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "flush", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void Release(nint request, ulong inode, NativeFileInfo* info)
    {
        var mount = FuseMount.Of(request);
        try
        {
            var handle = info->Handle;
            var flags = info->Flags;
            mount.Run(request, "release", (c, t) => mount.FileSystem.ReleaseAsync(c, inode, handle, flags, t));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "release", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void Fsync(nint request, ulong inode, int dataOnly, NativeFileInfo* info)
    {
        var mount = FuseMount.Of(request);
        try
        {
            var handle = info->Handle;
            mount.Run(request, "fsync", (c, t) => mount.FileSystem.FsyncAsync(c, inode, handle, dataOnly != 0, t));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "fsync", exception);
        }
    }

    // ------------------------------------------------------------------------------------------ directories

    [UnmanagedCallersOnly]
    private static void OpenDirectory(nint request, ulong inode, NativeFileInfo* info)
    {
        var mount = FuseMount.Of(request);
        try
        {
            var flags = info->Flags;
            mount.Run(request, "opendir", (c, t) => mount.FileSystem.OpenDirectoryAsync(c, inode, flags, t),
                (m, r, opened) => m.ReplyOpen(r, opened, flags));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "opendir", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void ReadDirectory(nint request, ulong inode, nuint size, long offset, NativeFileInfo* info) =>
        ReadDirectoryCore(request, inode, size, offset, info, plus: false);

    [UnmanagedCallersOnly]
    private static void ReadDirectoryPlus(nint request, ulong inode, nuint size, long offset, NativeFileInfo* info) =>
        ReadDirectoryCore(request, inode, size, offset, info, plus: true);

    private static void ReadDirectoryCore(nint request, ulong inode, nuint size, long offset, NativeFileInfo* info, bool plus)
    {
        var mount = FuseMount.Of(request);
        var operation = plus ? "readdirplus" : "readdir";
        try
        {
            var handle = info->Handle;
            var capacity = (int)Math.Min(size, (nuint)(1 << 20));
            var buffer = new FuseDirectoryBuffer(request, (byte*)NativeMemory.Alloc((nuint)capacity), capacity, plus, mount.Options);
            mount.Run(request, operation, (c, t) => FillDirectoryAsync(mount, c, inode, handle, offset, buffer, t),
                static (m, r, buffer) =>
            {
                try
                {
                    m.Lib.ReplyBuffer(r, buffer.Buffer, (nuint)buffer.Used);
                }
                finally
                {
                    buffer.Free();
                }
            });
        }
        catch (Exception exception)
        {
            mount.Fail(request, operation, exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void ReleaseDirectory(nint request, ulong inode, NativeFileInfo* info)
    {
        var mount = FuseMount.Of(request);
        try
        {
            var handle = info->Handle;
            mount.Run(request, "releasedir", (c, t) => mount.FileSystem.ReleaseDirectoryAsync(c, inode, handle, t));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "releasedir", exception);
        }
    }

    // ------------------------------------------------------------------------------------------ extended attributes

    [UnmanagedCallersOnly]
    private static void SetXattr(nint request, ulong inode, byte* name, byte* value, nuint size, int flags)
    {
        var mount = FuseMount.Of(request);
        try
        {
            if (mount.DecodeName(request, name, XattrNameMax) is not { } decoded)
            {
                return;
            }

            var copy = new ReadOnlySpan<byte>(value, checked((int)size)).ToArray();
            mount.Run(request, "setxattr", (c, t) => mount.FileSystem.SetExtendedAttributeAsync(c, inode, decoded, copy, flags, t));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "setxattr", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void GetXattr(nint request, ulong inode, byte* name, nuint size)
    {
        var mount = FuseMount.Of(request);
        try
        {
            if (mount.DecodeName(request, name, XattrNameMax) is not { } decoded)
            {
                return;
            }

            mount.Run(request, "getxattr", (c, t) => mount.FileSystem.GetExtendedAttributeAsync(c, inode, decoded, t),
                (m, r, value) => ReplySized(m, r, value, size));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "getxattr", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void ListXattr(nint request, ulong inode, nuint size)
    {
        var mount = FuseMount.Of(request);
        try
        {
            mount.Run(request, "listxattr", (c, t) => mount.FileSystem.ListExtendedAttributesAsync(c, inode, t),
                (m, r, names) =>
                {
                    // The list is the names, each terminated by a NUL.
                    var list = new List<byte>();
                    foreach (var n in names)
                    {
                        list.AddRange(Encoding.UTF8.GetBytes(n));
                        list.Add(0);
                    }

                    ReplySized(m, r, [.. list], size);
                });
        }
        catch (Exception exception)
        {
            mount.Fail(request, "listxattr", exception);
        }
    }

    [UnmanagedCallersOnly]
    private static void RemoveXattr(nint request, ulong inode, byte* name)
    {
        var mount = FuseMount.Of(request);
        try
        {
            if (mount.DecodeName(request, name, XattrNameMax) is not { } decoded)
            {
                return;
            }

            mount.Run(request, "removexattr", (c, t) => mount.FileSystem.RemoveExtendedAttributeAsync(c, inode, decoded, t));
        }
        catch (Exception exception)
        {
            mount.Fail(request, "removexattr", exception);
        }
    }

    /// <summary>xattr protocol: size 0 asks for the length only; a value longer than the buffer is ERANGE.</summary>
    private static void ReplySized(FuseMount mount, nint request, byte[] value, nuint size)
    {
        if (size == 0)
        {
            mount.Lib.ReplyXattr(request, (nuint)value.Length);
        }
        else if ((nuint)value.Length > size)
        {
            mount.Lib.ReplyError(request, FuseErrno.ERANGE);
        }
        else
        {
            mount.ReplyBuffer(request, value);
        }
    }
}
