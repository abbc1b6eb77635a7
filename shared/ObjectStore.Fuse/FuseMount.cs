using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using ObjectStore.Fuse.Native;

namespace ObjectStore.Fuse;

/// <summary>
/// A mounted <see cref="ILowLevelFileSystem"/>: one libfuse session whose multi-threaded loop runs on a thread of its
/// own until the file system is unmounted (by <see cref="UnmountAsync"/>, <c>fusermount3 -u</c> or <c>umount</c>).
/// </summary>
/// <remarks>
/// Requests are decoded on libfuse threads by the callbacks in <see cref="FuseCallbacks"/>, run as tasks, and answered
/// from whichever thread completes them: the low-level API allows replying after the callback has returned. The
/// session is destroyed only once every request in flight has been answered, so no reply touches freed memory.
/// </remarks>
public sealed unsafe partial class FuseMount : IAsyncDisposable
{
    private readonly LibFuse _lib;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private GCHandle _self;
    private nint _session;
    private long _inFlight;
    private int _unmountRequested;

    private FuseMount(ILowLevelFileSystem fileSystem, FuseMountOptions options, ILogger logger)
    {
        _lib = LibFuse.Instance;
        FileSystem = fileSystem;
        Options = options;
        _logger = logger;
    }

    /// <summary>Completes when the kernel connection has ended and the session is gone.</summary>
    public Task Completion => _completion.Task;

    public string MountPoint => Options.MountPoint;

    internal ILowLevelFileSystem FileSystem { get; }

    internal FuseMountOptions Options { get; }

    internal LibFuse Lib => _lib;

    /// <summary>Mounts <paramref name="fileSystem"/> and starts serving it; returns once the mount is in place.</summary>
    /// <exception cref="IOException">The mount failed (libfuse has written why to stderr).</exception>
    public static FuseMount Mount(ILowLevelFileSystem fileSystem, FuseMountOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentException.ThrowIfNullOrEmpty(options.MountPoint);
        if (!Directory.Exists(options.MountPoint))
        {
            throw new DirectoryNotFoundException($"Mount point {options.MountPoint} does not exist.");
        }

        var mount = new FuseMount(fileSystem, options, logger);
        mount.Start();
        return mount;
    }

    internal static FuseMount Of(nint request)
    {
        var userData = LibFuse.Instance.RequestUserData(request);
        return (FuseMount)GCHandle.FromIntPtr(userData).Target!;
    }

    private void Start()
    {
        _self = GCHandle.Alloc(this);
        var arguments = new List<string> { "objectstore-mount", "-o", MountOptionString() };
        if (Options.Debug)
        {
            arguments.Add("-d");
        }

        var strings = arguments.Select(a => Marshal.StringToCoTaskMemUTF8(a)).ToArray();
        try
        {
            var argv = stackalloc byte*[strings.Length + 1];
            for (var i = 0; i < strings.Length; i++)
            {
                argv[i] = (byte*)strings[i];
            }

            argv[strings.Length] = null;
            var args = new NativeArgs { Count = strings.Length, Values = argv, Allocated = 0 };
            var operations = FuseCallbacks.Operations;
            _session = _lib.SessionNew(&args, (void*)operations.Pointer, (nuint)operations.Size, (void*)GCHandle.ToIntPtr(_self));
            _lib.FreeArgs(&args);
        }
        finally
        {
            foreach (var s in strings)
            {
                Marshal.FreeCoTaskMem(s);
            }
        }

        if (_session == 0)
        {
            _self.Free();
            throw new IOException($"fuse_session_new refused the options '{MountOptionString()}' (see stderr).");
        }

        var mountPoint = Marshal.StringToCoTaskMemUTF8(Path.GetFullPath(MountPoint));
        try
        {
            if (_lib.SessionMount(_session, (byte*)mountPoint) != 0)
            {
                _lib.SessionDestroy(_session);
                _session = 0;
                _self.Free();
                throw new IOException($"Could not mount on {MountPoint} (see stderr; is /dev/fuse available?).");
            }
        }
        finally
        {
            Marshal.FreeCoTaskMem(mountPoint);
        }

        // Before the loop runs, i.e. before the kernel gets the init reply (which may only lower the read-ahead).
        SetKernelReadAhead();
        var loop = new Thread(RunLoop) { Name = "fuse-loop", IsBackground = true };
        loop.Start();
        LogMounted(_logger, MountPoint, Options.FileSystemName);
    }

    private string MountOptionString()
    {
        var options = new List<string> { $"fsname={Escape(Options.FileSystemName)}", $"subtype={Escape(Options.Subtype)}" };
        if (Options.DefaultPermissions)
        {
            options.Add("default_permissions");
        }

        if (Options.AllowOther)
        {
            options.Add("allow_other");
        }

        return string.Join(',', options);

        static string Escape(string value) => value.Replace("\\", "\\\\").Replace(",", "\\,");
    }

    private void RunLoop()
    {
        var config = _lib.LoopConfigCreate();
        _lib.LoopConfigSetCloneFd(config, 0);
        _lib.LoopConfigSetMaxThreads(config, (uint)Options.MaxThreads);
        var result = _lib.SessionLoopMultiThreaded(_session, config);
        _lib.LoopConfigDestroy(config);
        if (result != 0)
        {
            LogLoopEnded(_logger, MountPoint, result);
        }

        // Let the requests still running finish (their replies fail harmlessly now), then free the session.
        _stopping.Cancel();
        if (Interlocked.Read(ref _inFlight) > 0 && !_drained.Task.Wait(TimeSpan.FromSeconds(30)))
        {
            LogRequestsAbandoned(_logger, Interlocked.Read(ref _inFlight));
            _completion.TrySetResult();
            return; // leak the session rather than let a late reply use freed memory
        }

        _lib.SessionUnmount(_session); // a no-op unless the loop ended on an error with the mount still in place
        _lib.SessionDestroy(_session);
        _session = 0;
        _self.Free();
        LogUnmounted(_logger, MountPoint);
        _completion.TrySetResult();
    }

    // ------------------------------------------------------------------------------------------ request dispatch

    internal void ReplyError(nint request, int errno) => _lib.ReplyError(request, errno);

    internal void ReplyEntry(nint request, in FuseAttributes attributes)
    {
        var entry = FuseReplies.ToEntry(attributes, Options);
        _lib.ReplyEntry(request, &entry);
    }

    internal void ReplyAttributes(nint request, in FuseAttributes attributes)
    {
        var stat = FuseReplies.ToStat(attributes);
        _lib.ReplyAttributes(request, &stat, Options.AttributeTimeout.TotalSeconds);
    }

    internal void ReplyOpen(nint request, in FuseOpenResult open, int flags)
    {
        var info = FuseReplies.ToFileInfo(open, flags);
        _lib.ReplyOpen(request, &info);
    }

    internal void ReplyCreate(nint request, in FuseCreateResult created, int flags)
    {
        var entry = FuseReplies.ToEntry(created.Attributes, Options);
        var info = FuseReplies.ToFileInfo(created.Open, flags);
        _lib.ReplyCreate(request, &entry, &info);
    }

    internal void ReplyBuffer(nint request, ReadOnlySpan<byte> data)
    {
        fixed (byte* pointer = data)
        {
            _lib.ReplyBuffer(request, pointer, (nuint)data.Length);
        }
    }

    internal void ReplyString(nint request, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        var bytes = new byte[length + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        fixed (byte* pointer = bytes)
        {
            _lib.ReplyReadLink(request, pointer);
        }
    }

    /// <summary>Decodes a name argument; answers ENAMETOOLONG or EILSEQ itself and returns null when it is unusable.</summary>
    internal string? DecodeName(nint request, byte* name, int maxBytes = 255)
    {
        var length = new ReadOnlySpan<byte>(name, int.MaxValue).IndexOf((byte)0);
        if (length > maxBytes)
        {
            _lib.ReplyError(request, FuseErrno.ENAMETOOLONG);
            return null;
        }

        try
        {
            return s_strictUtf8.GetString(name, length);
        }
        catch (DecoderFallbackException)
        {
            _lib.ReplyError(request, FuseErrno.EILSEQ);
            return null;
        }
    }

    /// <summary>Last resort for a callback that failed before it could hand the request to a task.</summary>
    internal void Fail(nint request, string operation, Exception exception)
    {
        LogCallbackFailed(_logger, exception, operation);
        _lib.ReplyError(request, FuseErrno.EIO);
    }

    internal void ApplyConnectionSettings(NativeConnectionInfo* connection)
    {
        // No kernel write-back cache: with it the kernel decides sizes and O_APPEND offsets from its own cache, which
        // another mount's writes make stale (JuiceFS and go-fuse leave it off by default too). No HANDLE_KILLPRIV (libfuse
        // asks for it by default): the kernel then clears setuid/setgid bits on write and chown itself.
        connection->Want &= ~(FuseCapabilities.WritebackCache | FuseCapabilities.HandleKillPriv);
        connection->Want |= connection->Capable & (FuseCapabilities.AsyncRead | FuseCapabilities.ParallelDirectoryOperations
            | FuseCapabilities.ReaddirPlus | FuseCapabilities.ReaddirPlusAuto | FuseCapabilities.AtomicOTrunc);
        if (Options.KernelReadAheadBytes > 0 && (uint)Options.KernelReadAheadBytes > connection->MaxReadahead)
        {
            // The kernel keeps the smaller of this and the BDI's read-ahead, which SetKernelReadAhead has raised already.
            connection->MaxReadahead = (uint)Options.KernelReadAheadBytes;
        }

        if (Options.MaxWrite > 0 && (uint)Options.MaxWrite < connection->MaxWrite)
        {
            connection->MaxWrite = (uint)Options.MaxWrite;
        }

        LogConnected(_logger, connection->ProtocolMajor, connection->ProtocolMinor, connection->MaxWrite, connection->MaxReadahead, connection->Want);
    }

    /// <summary>
    /// Raises the read-ahead of this mount's backing device (<c>/sys/class/bdi/&lt;major:minor&gt;/read_ahead_kb</c>), the
    /// only place the kernel takes it from for FUSE. The device is the mount's line in /proc/self/mountinfo.
    /// </summary>
    private void SetKernelReadAhead()
    {
        if (Options.KernelReadAheadBytes <= 0)
        {
            return;
        }

        string? device = null;
        try
        {
            var mountPoint = Path.GetFullPath(MountPoint).TrimEnd('/');
            foreach (var line in File.ReadLines("/proc/self/mountinfo"))
            {
                // "<id> <parent> <major:minor> <root> <mount point> ..."; the last line for the point is the newest mount.
                var fields = line.Split(' ');
                if (fields.Length > 4 && UnescapeMountInfo(fields[4]) == mountPoint)
                {
                    device = fields[2];
                }
            }

            if (device is null)
            {
                LogReadAheadNotSet(_logger, Options.KernelReadAheadBytes >> 10, "the mount is not in /proc/self/mountinfo");
                return;
            }

            File.WriteAllText($"/sys/class/bdi/{device}/read_ahead_kb", (Options.KernelReadAheadBytes >> 10).ToString(System.Globalization.CultureInfo.InvariantCulture));
            LogReadAheadSet(_logger, Options.KernelReadAheadBytes >> 10, device);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogReadAheadNotSet(_logger, Options.KernelReadAheadBytes >> 10, e.Message);
        }

        // mountinfo escapes space, tab, newline and backslash as \ooo (octal).
        static string UnescapeMountInfo(string field) =>
            field.Contains('\\') ? System.Text.RegularExpressions.Regex.Replace(field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString()) : field;
    }

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private FuseContext ReadContext(nint request)
    {
        var context = _lib.RequestContext(request);
        return context == null ? default : new FuseContext(context->Uid, context->Gid, context->Pid, context->Umask);
    }

    private int ErrnoOf(string operation, Exception exception, bool deadlinePassed)
    {
        if (exception is FuseException fuse)
        {
            return fuse.Errno;
        }

        if (Options.TranslateError?.Invoke(exception) is { } errno)
        {
            return errno;
        }

        if (exception is OperationCanceledException && deadlinePassed)
        {
            LogRequestTimedOut(_logger, operation, Options.RequestTimeout);
            return FuseErrno.EIO;
        }

        if (exception is TimeoutException)
        {
            LogRequestTimedOut(_logger, operation, Options.RequestTimeout);
            return FuseErrno.EIO;
        }

        LogRequestFailed(_logger, exception, operation);
        return FuseErrno.EIO;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Mounted {FileSystemName} on {MountPoint}")]
    private static partial void LogMounted(ILogger logger, string mountPoint, string fileSystemName);

    [LoggerMessage(Level = LogLevel.Information, Message = "FUSE connection: protocol {Major}.{Minor}, max_write {MaxWrite}, max_readahead {MaxReadahead}, capabilities 0x{Want:x}")]
    private static partial void LogConnected(ILogger logger, uint major, uint minor, uint maxWrite, uint maxReadahead, uint want);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kernel read-ahead {KiB} KiB (bdi {Device})")]
    private static partial void LogReadAheadSet(ILogger logger, int kiB, string device);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kernel read-ahead not raised to {KiB} KiB ({Error}); sequential reads come as 128 KiB requests")]
    private static partial void LogReadAheadNotSet(ILogger logger, int kiB, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unmounting {MountPoint}")]
    private static partial void LogUnmounting(ILogger logger, string mountPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{MountPoint} is busy: unmounting lazily; it is served until its last user leaves")]
    private static partial void LogUnmountingLazily(ILogger logger, string mountPoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unmounted {MountPoint}")]
    private static partial void LogUnmounted(ILogger logger, string mountPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The FUSE loop of {MountPoint} ended with {Result}")]
    private static partial void LogLoopEnded(ILogger logger, string mountPoint, int result);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} requests still running 30 s after unmount; the session is left allocated")]
    private static partial void LogRequestsAbandoned(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "fusermount3 {Arguments} failed: {Error}")]
    private static partial void LogFusermountFailed(ILogger logger, string arguments, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "FUSE {Operation} failed; answering EIO")]
    private static partial void LogRequestFailed(ILogger logger, Exception exception, string operation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "FUSE {Operation} did not finish within {Timeout}; answering EIO")]
    private static partial void LogRequestTimedOut(ILogger logger, string operation, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Error, Message = "FUSE {Operation}: the callback failed before dispatch; answering EIO")]
    private static partial void LogCallbackFailed(ILogger logger, Exception exception, string operation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "FUSE {Operation}: sending the reply failed")]
    private static partial void LogReplyFailed(ILogger logger, Exception exception, string operation);
}
