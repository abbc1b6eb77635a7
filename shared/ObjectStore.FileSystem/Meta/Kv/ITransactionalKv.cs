namespace ObjectStore.FileSystem.Meta.Kv;

/// <summary>
/// The small transactional key-value store the namespace is built on (etcd's model): every key carries the
/// revision that created it and the revision that last changed it; a transaction applies its writes only if all
/// its compares hold, atomically. An absent key compares as revision 0.
/// </summary>
public interface ITransactionalKv : IAsyncDisposable
{
    /// <summary>Most operations (compares, and writes, each counted apart) one transaction may carry (etcd's --max-txn-ops).</summary>
    int MaxOperationsPerTransaction { get; }

    Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct);

    /// <summary>Several keys read at one revision in one round trip; null where a key is absent.</summary>
    Task<IReadOnlyList<KvEntry?>> GetManyAsync(IReadOnlyList<byte[]> keys, CancellationToken ct);

    /// <summary>Keys in [<paramref name="from"/>, <paramref name="to"/>) in byte order, at most <paramref name="limit"/>.</summary>
    Task<KvPage> RangeAsync(byte[] from, byte[] to, int limit, CancellationToken ct);

    /// <summary>
    /// The keys in [<paramref name="from"/>, <paramref name="to"/>) whose last change came after revision
    /// <paramref name="afterRevision"/>, at most <paramref name="limit"/>, with the revision the read saw (etcd's
    /// keys-only range with min_mod_revision; deleted keys are not reported). The store still scans the whole range.
    /// </summary>
    Task<KvChanges> ChangedSinceAsync(byte[] from, byte[] to, long afterRevision, int limit, CancellationToken ct);

    /// <summary>
    /// How many keys each range [From, To) holds, read at one revision in one round trip per
    /// <see cref="MaxOperationsPerTransaction"/> ranges (etcd's count-only range: no key or value is sent). The default
    /// pages through each range, for engines that have nothing better.
    /// </summary>
    async Task<IReadOnlyList<long>> CountManyAsync(IReadOnlyList<(byte[] From, byte[] To)> ranges, CancellationToken ct)
    {
        var counts = new long[ranges.Count];
        for (var i = 0; i < ranges.Count; i++)
        {
            var from = ranges[i].From;
            while (true)
            {
                var page = await RangeAsync(from, ranges[i].To, 1000, ct);
                counts[i] += page.Entries.Count;
                if (!page.More || page.Entries.Count == 0) break;
                from = [.. page.Entries[^1].Key, 0];
            }
        }
        return counts;
    }

    /// <summary>Applies the writes if every compare holds. On failure the result carries the current entry of the witness key, if one was named.</summary>
    Task<KvCommitResult> CommitAsync(KvTransaction transaction, CancellationToken ct);

    /// <summary>A lease: keys put with it vanish when it expires (not kept alive within its time to live) or is revoked.</summary>
    Task<long> GrantLeaseAsync(TimeSpan timeToLive, CancellationToken ct);

    /// <summary>Renews a lease; false if it has expired already.</summary>
    Task<bool> KeepLeaseAliveAsync(long lease, CancellationToken ct);

    Task RevokeLeaseAsync(long lease, CancellationToken ct);
}
