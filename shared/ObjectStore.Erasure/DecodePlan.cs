namespace ObjectStore.Erasure;

/// <summary>
/// How to rebuild the missing shards of one erasure pattern: which surviving shards to read and the
/// matrix that turns them into every missing shard in a single pass.
/// </summary>
internal sealed class DecodePlan(int[] sources, int[] missing, CodingMatrix matrix)
{
    /// <summary>The first k present shards, in index order.</summary>
    public int[] Sources { get; } = sources;

    /// <summary>Every absent shard, data and parity alike.</summary>
    public int[] Missing { get; } = missing;

    /// <summary>Missing.Length × k.</summary>
    public CodingMatrix Matrix { get; } = matrix;
}
