namespace ObjectStore.Mount;

/// <summary>Settings of the mount client, bound from the <c>Mount</c> section (the command line maps its switches here).</summary>
public sealed class MountOptions
{
    public const string Section = "Mount";

    /// <summary>The directory to mount the volume on. Required (the first command-line argument).</summary>
    public string MountPoint { get; set; } = string.Empty;

    /// <summary>
    /// How long the kernel may cache lookups and attributes. Short, so that a second mount sees a file closed in the first
    /// within this time (close-to-open holds at open regardless: open re-reads the attributes). Default 1 s.
    /// </summary>
    public TimeSpan AttributeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The kernel's read-ahead for the mount: sequential reads reach the mount as requests of up to 1 MiB, several in
    /// flight, instead of 128 KiB one or two at a time. Needs root (else the kernel's 128 KiB stays); 0 leaves it. Default 4 MiB.
    /// </summary>
    public int KernelReadAheadBytes { get; set; } = 4 << 20;

    /// <summary>Directory entries fetched from the namespace per page while listing. Default 1000.</summary>
    public int DirectoryPageSize { get; set; } = 1000;

    /// <summary>How often the objects of deleted slices are deleted from the store. Default 30 s; zero turns it off.</summary>
    public TimeSpan CollectInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the live data nodes' free space is reused for statfs. Default 5 s.</summary>
    public TimeSpan CapacityCacheTime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Let other users than the one mounting in (<c>allow_other</c>). Default: on when run as root.</summary>
    public bool AllowOther { get; set; } = Environment.UserName == "root";

    /// <summary>libfuse's own request trace (<c>-d</c>) on stderr.</summary>
    public bool FuseDebug { get; set; }
}
