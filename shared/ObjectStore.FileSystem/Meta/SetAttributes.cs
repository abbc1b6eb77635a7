namespace ObjectStore.FileSystem.Meta;

/// <summary>
/// The attributes a setattr changes; null leaves one as it is. <see cref="Mode"/> is permission bits (07777).
/// The change time is set to now on every change unless <see cref="CtimeNs"/> gives it. The size is changed
/// with <see cref="IFileSystemMeta.TruncateAsync"/>.
/// </summary>
public sealed record SetAttributes
{
    public uint? Mode { get; init; }
    public uint? Uid { get; init; }
    public uint? Gid { get; init; }
    public long? AtimeNs { get; init; }
    public long? MtimeNs { get; init; }
    public long? CtimeNs { get; init; }
}
