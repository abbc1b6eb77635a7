using ObjectStore.Fuse;

namespace ObjectStore.Mount.FileSystem;

public sealed partial class VolumeFileSystem
{
    private const uint StatBlockSize = 4096;

    /// <summary>Inodes a volume can hold as far as df is concerned: the namespace has no fixed table.</summary>
    private const ulong InodeCeiling = 1UL << 40;

    /// <summary>
    /// df: the capacity is what the volume uses plus what the live data nodes have free (raw bytes: erasure coding's
    /// overhead is not subtracted, as df on the nodes' own disks would not either).
    /// </summary>
    public async ValueTask<FuseStatistics> StatFsAsync(FuseContext context, ulong inode, CancellationToken cancellationToken)
    {
        var statistics = await meta.StatisticsAsync(cancellationToken).ConfigureAwait(false);
        var free = (ulong)await capacity.FreeBytesAsync(cancellationToken).ConfigureAwait(false);
        var usedBlocks = (statistics.UsedBytes + StatBlockSize - 1) / StatBlockSize;
        var freeBlocks = free / StatBlockSize;
        return new FuseStatistics(StatBlockSize, usedBlocks + freeBlocks, freeBlocks, freeBlocks,
            InodeCeiling, InodeCeiling - Math.Min(statistics.Inodes, InodeCeiling), 255);
    }
}
