namespace ObjectStore.Erasure;

/// <summary>
/// Fewer shards of a stripe survive than it has data shards, so the stripe cannot be rebuilt from them.
/// </summary>
public sealed class InsufficientShardsException : Exception
{
    public InsufficientShardsException(int presentShards, int requiredShards, int totalShards)
        : base($"Cannot reconstruct the stripe: only {presentShards} of {totalShards} shards are present " +
               $"and at least {requiredShards} are required.")
    {
        PresentShards = presentShards;
        RequiredShards = requiredShards;
        TotalShards = totalShards;
    }

    public int PresentShards { get; }

    public int RequiredShards { get; }

    public int TotalShards { get; }
}
