using System.Runtime.InteropServices;

namespace ObjectStore.Fuse.Native;

/// <summary>
/// The entry points of libfuse3 we call, resolved once from <c>libfuse3.so.3</c> (Debian libfuse3-3).
/// </summary>
/// <remarks>
/// Function pointers rather than <c>[DllImport]</c>: nothing needs marshalling (pointers and integers only), a missing
/// library becomes one clear error at mount time, and <c>fuse_session_loop_mt</c> is bound by its explicit 3.12 symbol
/// (<c>fuse_session_loop_mt_312</c>) instead of whichever default version the dynamic linker picks.
/// </remarks>
internal sealed unsafe class LibFuse
{
    public const string LibraryName = "libfuse3.so.3";

    private static readonly Lazy<LibFuse> s_instance = new(Load);

    private LibFuse(nint handle)
    {
        SessionNew = (delegate* unmanaged<NativeArgs*, void*, nuint, void*, nint>)Export(handle, "fuse_session_new");
        SessionMount = (delegate* unmanaged<nint, byte*, int>)Export(handle, "fuse_session_mount");
        SessionUnmount = (delegate* unmanaged<nint, void>)Export(handle, "fuse_session_unmount");
        SessionDestroy = (delegate* unmanaged<nint, void>)Export(handle, "fuse_session_destroy");
        SessionExit = (delegate* unmanaged<nint, void>)Export(handle, "fuse_session_exit");
        SessionLoopMultiThreaded = (delegate* unmanaged<nint, nint, int>)Export(handle, "fuse_session_loop_mt_312");
        LoopConfigCreate = (delegate* unmanaged<nint>)Export(handle, "fuse_loop_cfg_create");
        LoopConfigDestroy = (delegate* unmanaged<nint, void>)Export(handle, "fuse_loop_cfg_destroy");
        LoopConfigSetCloneFd = (delegate* unmanaged<nint, uint, void>)Export(handle, "fuse_loop_cfg_set_clone_fd");
        LoopConfigSetMaxThreads = (delegate* unmanaged<nint, uint, void>)Export(handle, "fuse_loop_cfg_set_max_threads");
        LoopConfigSetIdleThreads = (delegate* unmanaged<nint, uint, void>)Export(handle, "fuse_loop_cfg_set_idle_threads");
        FreeArgs = (delegate* unmanaged<NativeArgs*, void>)Export(handle, "fuse_opt_free_args");
        RequestUserData = (delegate* unmanaged<nint, nint>)Export(handle, "fuse_req_userdata");
        RequestContext = (delegate* unmanaged<nint, NativeContext*>)Export(handle, "fuse_req_ctx");
        ReplyError = (delegate* unmanaged<nint, int, int>)Export(handle, "fuse_reply_err");
        ReplyNone = (delegate* unmanaged<nint, void>)Export(handle, "fuse_reply_none");
        ReplyEntry = (delegate* unmanaged<nint, NativeEntryParam*, int>)Export(handle, "fuse_reply_entry");
        ReplyCreate = (delegate* unmanaged<nint, NativeEntryParam*, NativeFileInfo*, int>)Export(handle, "fuse_reply_create");
        ReplyAttributes = (delegate* unmanaged<nint, NativeStat*, double, int>)Export(handle, "fuse_reply_attr");
        ReplyReadLink = (delegate* unmanaged<nint, byte*, int>)Export(handle, "fuse_reply_readlink");
        ReplyOpen = (delegate* unmanaged<nint, NativeFileInfo*, int>)Export(handle, "fuse_reply_open");
        ReplyWrite = (delegate* unmanaged<nint, nuint, int>)Export(handle, "fuse_reply_write");
        ReplyBuffer = (delegate* unmanaged<nint, byte*, nuint, int>)Export(handle, "fuse_reply_buf");
        ReplyStatFs = (delegate* unmanaged<nint, NativeStatVfs*, int>)Export(handle, "fuse_reply_statfs");
        ReplyXattr = (delegate* unmanaged<nint, nuint, int>)Export(handle, "fuse_reply_xattr");
        AddDirectoryEntry = (delegate* unmanaged<nint, byte*, nuint, byte*, NativeStat*, long, nuint>)Export(handle, "fuse_add_direntry");
        AddDirectoryEntryPlus = (delegate* unmanaged<nint, byte*, nuint, byte*, NativeEntryParam*, long, nuint>)Export(handle, "fuse_add_direntry_plus");
    }

    /// <summary>The loaded library; throws <see cref="DllNotFoundException"/> with an install hint when it is missing.</summary>
    public static LibFuse Instance => s_instance.Value;

    // struct fuse_session *fuse_session_new(struct fuse_args *args, const struct fuse_lowlevel_ops *op, size_t op_size, void *userdata)
    public delegate* unmanaged<NativeArgs*, void*, nuint, void*, nint> SessionNew { get; }

    public delegate* unmanaged<nint, byte*, int> SessionMount { get; }

    public delegate* unmanaged<nint, void> SessionUnmount { get; }

    public delegate* unmanaged<nint, void> SessionDestroy { get; }

    public delegate* unmanaged<nint, void> SessionExit { get; }

    public delegate* unmanaged<nint, nint, int> SessionLoopMultiThreaded { get; }

    public delegate* unmanaged<nint> LoopConfigCreate { get; }

    public delegate* unmanaged<nint, void> LoopConfigDestroy { get; }

    public delegate* unmanaged<nint, uint, void> LoopConfigSetCloneFd { get; }

    public delegate* unmanaged<nint, uint, void> LoopConfigSetMaxThreads { get; }

    public delegate* unmanaged<nint, uint, void> LoopConfigSetIdleThreads { get; }

    public delegate* unmanaged<NativeArgs*, void> FreeArgs { get; }

    public delegate* unmanaged<nint, nint> RequestUserData { get; }

    public delegate* unmanaged<nint, NativeContext*> RequestContext { get; }

    public delegate* unmanaged<nint, int, int> ReplyError { get; }

    public delegate* unmanaged<nint, void> ReplyNone { get; }

    public delegate* unmanaged<nint, NativeEntryParam*, int> ReplyEntry { get; }

    public delegate* unmanaged<nint, NativeEntryParam*, NativeFileInfo*, int> ReplyCreate { get; }

    public delegate* unmanaged<nint, NativeStat*, double, int> ReplyAttributes { get; }

    public delegate* unmanaged<nint, byte*, int> ReplyReadLink { get; }

    public delegate* unmanaged<nint, NativeFileInfo*, int> ReplyOpen { get; }

    public delegate* unmanaged<nint, nuint, int> ReplyWrite { get; }

    public delegate* unmanaged<nint, byte*, nuint, int> ReplyBuffer { get; }

    public delegate* unmanaged<nint, NativeStatVfs*, int> ReplyStatFs { get; }

    public delegate* unmanaged<nint, nuint, int> ReplyXattr { get; }

    // size_t fuse_add_direntry(fuse_req_t req, char *buf, size_t bufsize, const char *name, const struct stat *stbuf, off_t off)
    public delegate* unmanaged<nint, byte*, nuint, byte*, NativeStat*, long, nuint> AddDirectoryEntry { get; }

    public delegate* unmanaged<nint, byte*, nuint, byte*, NativeEntryParam*, long, nuint> AddDirectoryEntryPlus { get; }

    private static nint Export(nint handle, string name) => NativeLibrary.GetExport(handle, name);

    private static LibFuse Load()
    {
        if (!NativeLibrary.TryLoad(LibraryName, out var handle))
        {
            throw new DllNotFoundException(
                $"{LibraryName} is not installed; install Debian's fuse3 and libfuse3-3 (scripts/infra install does).");
        }

        return new LibFuse(handle);
    }
}
