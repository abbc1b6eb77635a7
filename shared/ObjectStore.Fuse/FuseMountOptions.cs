namespace ObjectStore.Fuse;

/// <summary>How a file system is mounted.</summary>
public sealed class FuseMountOptions
{
    /// <summary>The directory to mount on; it must exist.</summary>
    public required string MountPoint { get; init; }

    /// <summary>Shown as the source in /proc/mounts and df (<c>fsname=</c>).</summary>
    public string FileSystemName { get; init; } = "objectstore";

    /// <summary>Shown as the type <c>fuse.&lt;subtype&gt;</c> (<c>subtype=</c>).</summary>
    public string Subtype { get; init; } = "objectstore";

    /// <summary>Let the kernel check permissions against the mode bits (<c>default_permissions</c>). Default on.</summary>
    public bool DefaultPermissions { get; init; } = true;

    /// <summary>Let users other than the mounting one in (<c>allow_other</c>). Default: on when mounting as root.</summary>
    public bool AllowOther { get; init; } = Environment.UserName == "root";

    /// <summary>How long the kernel may cache a name → inode lookup. Default 1 s (close-to-open between mounts).</summary>
    public TimeSpan EntryTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the kernel may cache attributes. Default 1 s.</summary>
    public TimeSpan AttributeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest write request the kernel sends (at most 1 MiB: libfuse's buffer). Default 1 MiB.</summary>
    public int MaxWrite { get; init; } = 1 << 20;

    /// <summary>
    /// The kernel's read-ahead for this mount (the BDI's <c>read_ahead_kb</c>, and <c>max_readahead</c> in the FUSE init
    /// reply so that the kernel does not cap it back). Its default of 128 KiB makes every sequential read a 128 KiB
    /// request; larger lets the kernel send up to 1 MiB per read (<see cref="MaxWrite"/> bounds its pages) with more of
    /// them in flight. Writing it needs root; otherwise the kernel's default stays (logged). 0 leaves the default.
    /// Larger also widens the kernel's read-around of mmap page faults. Default 4 MiB.
    /// </summary>
    public int KernelReadAheadBytes { get; init; } = 4 << 20;

    /// <summary>Upper bound on one request; past it the request answers EIO. Default 60 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>libfuse worker threads at most. Requests rarely hold one for long (they continue asynchronously).</summary>
    public int MaxThreads { get; init; } = 16;

    /// <summary>Log every request libfuse decodes (libfuse's <c>-d</c>) to stderr.</summary>
    public bool Debug { get; init; }

    /// <summary>
    /// Maps an exception of the file system's own to an errno (null: not recognised, answer EIO and log it).
    /// <see cref="FuseException"/>s are mapped without it.
    /// </summary>
    public Func<Exception, int?>? TranslateError { get; init; }
}
