namespace ObjectStore.FileSystem.Meta.Kv;

public enum KvCompareTarget { ModRevision, CreateRevision, Version }

/// <summary>
/// Holds if the key's <paramref name="Target"/> equals <paramref name="Value"/> (an absent key has 0 for all three).
/// With <paramref name="RangeEnd"/> it must hold for every key in [Key, RangeEnd), and for an empty range it holds
/// iff <paramref name="Value"/> is 0 — so (range, Version, 0) means "no key in the range" (etcd 3.3+ range compares).
/// </summary>
public readonly record struct KvCompare(byte[] Key, KvCompareTarget Target, long Value, byte[]? RangeEnd = null);

/// <summary>A put (<paramref name="Value"/> set, optionally attached to a lease) or a delete (<paramref name="Value"/> null).</summary>
public readonly record struct KvWrite(byte[] Key, byte[]? Value, long Lease = 0)
{
    public bool IsDelete => Value is null;
}

/// <summary>
/// Compares and writes applied atomically. <see cref="Witness"/> names a key whose current entry the store returns
/// when the compares fail, in the same round trip: the caller checks whether an earlier attempt of this same
/// transaction landed after all (a client that retried an RPC whose first attempt had been applied).
/// </summary>
public sealed class KvTransaction
{
    public List<KvCompare> Compares { get; } = [];
    public List<KvWrite> Writes { get; } = [];
    public byte[]? Witness { get; set; }
}

/// <summary>The outcome of a commit: applied at <paramref name="Revision"/>, or not, with the witness key's current entry.</summary>
public readonly record struct KvCommitResult(bool Succeeded, long Revision, KvEntry? Witness);
