namespace ObjectStore.FileSystem.Meta.Kv;

/// <summary>
/// The in-memory engine of <see cref="ITransactionalKv"/> for unit tests. It keeps etcd's semantics where the
/// namespace depends on them: one global revision bumped once per applied transaction, create/mod revisions per
/// key (0 when absent), all-or-nothing transactions, the operation limit and duplicate-key refusal, leases that
/// expire by the injected clock. <see cref="Unavailable"/> simulates an unreachable cluster.
/// </summary>
public sealed class MemoryKv(TimeProvider time, int maxOperationsPerTransaction = 128) : ITransactionalKv
{
    private const int MaxRequestBytes = 3 << 19; // 1.5 MiB, etcd's default --max-request-bytes

    private readonly Lock _gate = new();
    private readonly SortedSet<byte[]> _keys = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], Item> _items = new(ByteKeyComparer.Instance);
    private readonly Dictionary<long, LeaseState> _leases = [];
    private long _revision;
    private long _nextLease = 0x7a00_0000;
    private long _readRoundTrips;

    /// <summary>While true every call fails as if no member answered.</summary>
    public bool Unavailable { get; set; }

    /// <summary>Transactions applied so far (for tests that count round trips).</summary>
    public long CommittedTransactions { get; private set; }

    /// <summary>Read round trips answered so far (point, many, range and count reads; for tests that count them).</summary>
    public long ReadRoundTrips => Interlocked.Read(ref _readRoundTrips);

    /// <summary>Lease renewals answered so far.</summary>
    public long KeepAlives { get; private set; }

    public int MaxOperationsPerTransaction { get; } = maxOperationsPerTransaction;

    public Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct)
    {
        Interlocked.Increment(ref _readRoundTrips);
        lock (Enter(ct)) return Task.FromResult(Read(key));
    }

    public Task<IReadOnlyList<KvEntry?>> GetManyAsync(IReadOnlyList<byte[]> keys, CancellationToken ct)
    {
        Interlocked.Add(ref _readRoundTrips, Math.Max(1, (keys.Count + MaxOperationsPerTransaction - 1) / MaxOperationsPerTransaction));
        lock (Enter(ct)) return Task.FromResult<IReadOnlyList<KvEntry?>>(keys.Select(Read).ToArray());
    }

    public Task<KvPage> RangeAsync(byte[] from, byte[] to, int limit, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        Interlocked.Increment(ref _readRoundTrips);
        lock (Enter(ct))
        {
            if (ByteKeyComparer.Instance.Compare(from, to) >= 0) return Task.FromResult(new KvPage([], false));
            var entries = new List<KvEntry>();
            var more = false;
            foreach (var key in _keys.GetViewBetween(from, to))
            {
                if (ByteKeyComparer.Instance.Equals(key, to)) break;
                if (entries.Count == limit) { more = true; break; }
                entries.Add(Read(key)!);
            }
            return Task.FromResult(new KvPage(entries, more));
        }
    }

    public Task<KvChanges> ChangedSinceAsync(byte[] from, byte[] to, long afterRevision, int limit, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        Interlocked.Increment(ref _readRoundTrips);
        lock (Enter(ct))
        {
            var keys = new List<byte[]>();
            var more = false;
            if (ByteKeyComparer.Instance.Compare(from, to) < 0)
            {
                foreach (var key in _keys.GetViewBetween(from, to))
                {
                    if (ByteKeyComparer.Instance.Equals(key, to)) break;
                    if (_items[key].ModRevision <= afterRevision) continue;
                    if (keys.Count == limit) { more = true; break; }
                    keys.Add(key.ToArray());
                }
            }
            return Task.FromResult(new KvChanges(keys, more, _revision));
        }
    }

    public Task<IReadOnlyList<long>> CountManyAsync(IReadOnlyList<(byte[] From, byte[] To)> ranges, CancellationToken ct)
    {
        Interlocked.Add(ref _readRoundTrips, Math.Max(1, (ranges.Count + MaxOperationsPerTransaction - 1) / MaxOperationsPerTransaction));
        lock (Enter(ct))
        {
            return Task.FromResult<IReadOnlyList<long>>(ranges.Select(r => ByteKeyComparer.Instance.Compare(r.From, r.To) >= 0
                ? 0L
                : _keys.GetViewBetween(r.From, r.To).Count(k => !ByteKeyComparer.Instance.Equals(k, r.To))).ToArray());
        }
    }

    public Task<KvCommitResult> CommitAsync(KvTransaction transaction, CancellationToken ct)
    {
        lock (Enter(ct))
        {
            Validate(transaction);
            if (!transaction.Compares.All(Holds))
                return Task.FromResult(new KvCommitResult(false, _revision, transaction.Witness is null ? null : Read(transaction.Witness)));
            if (transaction.Writes.Count > 0)
            {
                _revision++;
                CommittedTransactions++;
                foreach (var write in transaction.Writes)
                {
                    if (write.IsDelete) Remove(write.Key);
                    else Store(write.Key, write.Value!, write.Lease);
                }
            }
            return Task.FromResult(new KvCommitResult(true, _revision, null));
        }
    }

    public Task<long> GrantLeaseAsync(TimeSpan timeToLive, CancellationToken ct)
    {
        lock (Enter(ct))
        {
            var id = ++_nextLease;
            _leases[id] = new LeaseState(timeToLive, time.GetUtcNow() + timeToLive);
            return Task.FromResult(id);
        }
    }

    public Task<bool> KeepLeaseAliveAsync(long lease, CancellationToken ct)
    {
        lock (Enter(ct))
        {
            KeepAlives++;
            if (!_leases.TryGetValue(lease, out var state)) return Task.FromResult(false);
            state.Deadline = time.GetUtcNow() + state.TimeToLive;
            return Task.FromResult(true);
        }
    }

    public Task RevokeLeaseAsync(long lease, CancellationToken ct)
    {
        lock (Enter(ct))
        {
            if (_leases.Remove(lease, out var state)) DropLeaseKeys(state);
            return Task.CompletedTask;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Lock Enter(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (Unavailable) throw new KvUnavailableException("memory store: simulated outage");
        lock (_gate) ExpireLeases();
        return _gate;
    }

    private void ExpireLeases()
    {
        var now = time.GetUtcNow();
        foreach (var (id, state) in _leases.Where(l => l.Value.Deadline <= now).ToList())
        {
            _leases.Remove(id);
            DropLeaseKeys(state);
        }
    }

    private void DropLeaseKeys(LeaseState state)
    {
        if (state.Keys.Count == 0) return;
        _revision++;
        foreach (var key in state.Keys.ToList()) Remove(key);
    }

    private void Validate(KvTransaction transaction)
    {
        if (transaction.Compares.Count > MaxOperationsPerTransaction || transaction.Writes.Count > MaxOperationsPerTransaction)
            throw new KvRequestException("too many operations in txn request");
        var seen = new HashSet<byte[]>(ByteKeyComparer.Instance);
        long bytes = 0;
        foreach (var write in transaction.Writes)
        {
            if (!seen.Add(write.Key)) throw new KvRequestException("duplicate key given in txn request");
            if (write.Lease != 0 && !_leases.ContainsKey(write.Lease)) throw new KvRequestException("requested lease not found");
            bytes += write.Key.Length + (write.Value?.Length ?? 0);
        }
        if (bytes > MaxRequestBytes) throw new KvRequestException("request is too large");
    }

    private bool Holds(KvCompare compare)
    {
        if (compare.RangeEnd is null) return Matches(_items.GetValueOrDefault(compare.Key), compare);
        if (ByteKeyComparer.Instance.Compare(compare.Key, compare.RangeEnd) >= 0) return compare.Value == 0;
        var keys = _keys.GetViewBetween(compare.Key, compare.RangeEnd).Where(k => !ByteKeyComparer.Instance.Equals(k, compare.RangeEnd)).ToList();
        return keys.Count == 0 ? compare.Value == 0 : keys.All(k => Matches(_items[k], compare));
    }

    private static bool Matches(Item? item, KvCompare compare) => compare.Value == compare.Target switch
    {
        KvCompareTarget.ModRevision => item?.ModRevision ?? 0,
        KvCompareTarget.CreateRevision => item?.CreateRevision ?? 0,
        _ => item?.Version ?? 0,
    };

    private KvEntry? Read(byte[] key) =>
        _items.TryGetValue(key, out var item) ? new KvEntry(key.ToArray(), item.Value.ToArray(), item.CreateRevision, item.ModRevision) : null;

    private void Store(byte[] key, byte[] value, long lease)
    {
        var copy = key.ToArray();
        if (_items.TryGetValue(copy, out var old))
        {
            if (old.Lease != 0 && _leases.TryGetValue(old.Lease, out var oldLease)) oldLease.Keys.Remove(copy);
            _items[copy] = new Item(value.ToArray(), old.CreateRevision, _revision, old.Version + 1, lease);
        }
        else
        {
            _keys.Add(copy);
            _items[copy] = new Item(value.ToArray(), _revision, _revision, 1, lease);
        }
        if (lease != 0) _leases[lease].Keys.Add(copy);
    }

    private void Remove(byte[] key)
    {
        if (!_items.Remove(key, out var old)) return;
        _keys.Remove(key);
        if (old.Lease != 0 && _leases.TryGetValue(old.Lease, out var lease)) lease.Keys.Remove(key);
    }

    private sealed record Item(byte[] Value, long CreateRevision, long ModRevision, long Version, long Lease);

    private sealed class LeaseState(TimeSpan timeToLive, DateTimeOffset deadline)
    {
        public TimeSpan TimeToLive { get; } = timeToLive;
        public DateTimeOffset Deadline { get; set; } = deadline;
        public HashSet<byte[]> Keys { get; } = new(ByteKeyComparer.Instance);
    }
}
