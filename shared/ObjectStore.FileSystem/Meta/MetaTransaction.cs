using ObjectStore.FileSystem.Meta.Kv;

namespace ObjectStore.FileSystem.Meta;

/// <summary>
/// One attempt of an optimistic transaction (JuiceFS's kvTxn): reads go to the store and are remembered with the
/// revision they saw; writes are buffered. The commit applies the writes only if no key read has changed since
/// (a compare on each one's mod revision), so a body that decides from what it read is atomic against every other
/// writer. Reads see this transaction's own buffered writes. Range reads are not compared; a body that decides
/// from one (a directory is empty) states what must still hold with <see cref="RequireRangeEmpty"/>.
/// </summary>
internal sealed class MetaTransaction(ITransactionalKv kv, Keys keys, GroupReader? reader = null)
{
    private readonly Dictionary<byte[], long> _readRevisions = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], long> _createRevisions = new(ByteKeyComparer.Instance);
    private readonly HashSet<byte[]> _existenceOnly = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], byte[]?> _readValues = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], int> _writeIndex = new(ByteKeyComparer.Instance);
    private readonly List<KvWrite> _writes = [];
    private readonly List<Action> _afterCommit = [];
    private readonly List<KvCompare> _rangeCompares = [];

    public Keys Keys { get; } = keys;

    /// <summary>Change of the volume's used bytes if this attempt commits.</summary>
    public long UsedBytesDelta { get; set; }

    /// <summary>Change of the volume's inode count if this attempt commits.</summary>
    public long InodesDelta { get; set; }

    /// <summary>Key whose value tells whether a commit reported as failed had landed after all; default: the first key put.</summary>
    public byte[]? Witness { get; set; }

    public bool HasWrites => _writes.Count > 0;

    public IReadOnlyList<KvWrite> Writes => _writes;

    public bool HasPuts => _writes.Any(w => !w.IsDelete);

    public async Task<byte[]?> GetAsync(byte[] key, CancellationToken ct)
    {
        if (_writeIndex.TryGetValue(key, out var w)) return _writes[w].Value;
        if (_readValues.TryGetValue(key, out var seen)) return seen;
        var entry = reader is null ? await kv.GetAsync(key, ct) : (await reader.GetManyAsync([key], ct))[0];
        Remember(key, entry);
        return entry?.Value;
    }

    /// <summary>Several keys in one round trip (each remembered for the commit's compares).</summary>
    public async Task<byte[]?[]> GetManyAsync(IReadOnlyList<byte[]> keyList, CancellationToken ct)
    {
        var result = new byte[]?[keyList.Count];
        var missing = new List<int>();
        for (var i = 0; i < keyList.Count; i++)
        {
            if (_writeIndex.TryGetValue(keyList[i], out var w)) result[i] = _writes[w].Value;
            else if (_readValues.TryGetValue(keyList[i], out var seen)) result[i] = seen;
            else missing.Add(i);
        }
        if (missing.Count == 0) return result;
        var missingKeys = missing.Select(i => keyList[i]).ToArray();
        var entries = reader is null ? await kv.GetManyAsync(missingKeys, ct) : await reader.GetManyAsync(missingKeys, ct);
        for (var j = 0; j < missing.Count; j++)
        {
            Remember(keyList[missing[j]], entries[j]);
            result[missing[j]] = entries[j]?.Value;
        }
        return result;
    }

    /// <summary>A range read, not compared at commit (see the class comment); <see cref="Remember"/> entries that the body changes.</summary>
    public Task<KvPage> RangeAsync(byte[] from, byte[] to, int limit, CancellationToken ct) => kv.RangeAsync(from, to, limit, ct);

    /// <summary>Makes the commit depend on no key existing in [<paramref name="from"/>, <paramref name="to"/>) (one compare over the range).</summary>
    public void RequireRangeEmpty(byte[] from, byte[] to) => _rangeCompares.Add(new KvCompare(from, KvCompareTarget.Version, 0, to));

    /// <summary>Makes the commit depend on <paramref name="entry"/> (read by a range) being unchanged.</summary>
    public void Remember(byte[] key, KvEntry? entry)
    {
        var revision = entry?.ModRevision ?? 0;
        _readValues[key] = entry?.Value;
        _createRevisions[key] = entry?.CreateRevision ?? 0;
        if (!_readRevisions.TryAdd(key, revision) && _readRevisions[key] != revision)
            _readRevisions[key] = -1; // seen at two revisions within one attempt: the commit must fail and retry
    }

    /// <summary>
    /// Relaxes the commit's compare on <paramref name="key"/> (read before) from "unchanged" to "still the same
    /// incarnation" (its create revision): for a body that only needs the key to exist and reads only fields that never
    /// change in its lifetime, so that writers of its other fields do not fail this commit. A body that also writes the
    /// key keeps the strict compare.
    /// </summary>
    public void DependOnlyOnExistence(byte[] key) => _existenceOnly.Add(key);

    /// <summary>Compares a key that was not read: the commit requires it absent (a name not taken) or, with a create revision, that incarnation present.</summary>
    public void RequireIncarnation(byte[] key, long createRevision)
    {
        // Its mod revision is unknown: should the body also write the key, the strict compare (-2) fails and the body runs again reading it.
        _readRevisions.TryAdd(key, createRevision == 0 ? 0 : -2);
        _createRevisions[key] = createRevision;
        _existenceOnly.Add(key);
    }

    /// <summary>Revision at which this attempt committed (set before the after-commit actions run; 0 for one that wrote nothing).</summary>
    public long CommittedRevision { get; set; }

    /// <summary>Mod revision of a key this attempt read (0: absent or not read; negative: no single revision known).</summary>
    public long ModRevisionOf(byte[] key) => _readRevisions.TryGetValue(key, out var revision) && revision > 0 ? revision : 0;

    /// <summary>Compares a key that was not read with the mod revision it is known to have (this client wrote it then); for a body that writes it.</summary>
    public void RequireUnchanged(byte[] key, long modRevision)
    {
        // -2: required as an incarnation only (RequireIncarnation); a revision read or required differently: the commit must fail.
        _readRevisions[key] = _readRevisions.TryGetValue(key, out var known) && known != -2 && known != modRevision ? -1 : modRevision;
        _existenceOnly.Remove(key);
    }

    /// <summary>Create revision of a key this attempt read (0: absent or not read).</summary>
    public long CreateRevisionOf(byte[] key) => _createRevisions.GetValueOrDefault(key);

    public void Put(byte[] key, byte[] value, long lease = 0) => Write(new KvWrite(key, value, lease));

    public void Delete(byte[] key) => Write(new KvWrite(key, null));

    /// <summary>Runs after the commit succeeded (local bookkeeping: open files, sessions).</summary>
    public void AfterCommit(Action action) => _afterCommit.Add(action);

    public async Task<InodeAttributes?> GetAttributesAsync(ulong inode, CancellationToken ct) =>
        await GetAsync(Keys.Attributes(inode), ct) is { } value ? AttributeCodec.Decode(value) : null;

    public async Task<InodeAttributes> RequireAttributesAsync(ulong inode, CancellationToken ct) =>
        await GetAttributesAsync(inode, ct) ?? throw MetaErrors.NoInode(inode);

    public async Task<InodeAttributes> RequireDirectoryAsync(ulong inode, CancellationToken ct)
    {
        var attributes = await RequireAttributesAsync(inode, ct);
        return attributes.Type == InodeType.Directory ? attributes : throw MetaErrors.NotDirectory(inode);
    }

    public void PutAttributes(ulong inode, InodeAttributes attributes) => Put(Keys.Attributes(inode), AttributeCodec.Encode(attributes));

    public async Task<(InodeType Type, ulong Inode)?> GetEntryAsync(ulong parent, string name, CancellationToken ct) =>
        await GetAsync(Keys.DirectoryEntry(parent, name), ct) is { } value ? DirectoryEntryCodec.Decode(value) : null;

    public KvTransaction Build(int maxOperations)
    {
        if (_readRevisions.Count + _rangeCompares.Count > maxOperations) throw MetaErrors.TooLarge($"{_readRevisions.Count} keys read, at most {maxOperations}");
        if (_writes.Count > maxOperations) throw MetaErrors.TooLarge($"{_writes.Count} keys written, at most {maxOperations}");
        var transaction = new KvTransaction { Witness = Witness ?? _writes.FirstOrDefault(w => !w.IsDelete).Key };
        foreach (var (key, revision) in _readRevisions)
        {
            // A key seen at two revisions (-1) keeps a compare that fails; one read only for its existence compares its create revision.
            var byIncarnation = revision != -1 && _existenceOnly.Contains(key) && !_writeIndex.ContainsKey(key);
            transaction.Compares.Add(byIncarnation
                ? new KvCompare(key, KvCompareTarget.CreateRevision, _createRevisions[key])
                : new KvCompare(key, KvCompareTarget.ModRevision, revision));
        }
        transaction.Compares.AddRange(_rangeCompares);
        transaction.Writes.AddRange(_writes);
        return transaction;
    }

    /// <summary>True if the witness key holds exactly what this attempt wrote to it: the attempt was applied although the answer said otherwise.</summary>
    public bool Landed(KvTransaction transaction, KvEntry? current)
    {
        if (transaction.Witness is null || current is null || !_writeIndex.TryGetValue(transaction.Witness, out var w)) return false;
        return _writes[w].Value is { } written && written.AsSpan().SequenceEqual(current.Value);
    }

    public void RunAfterCommit()
    {
        foreach (var action in _afterCommit) action();
    }

    private void Write(KvWrite write)
    {
        if (_writeIndex.TryGetValue(write.Key, out var index)) _writes[index] = write;
        else
        {
            _writeIndex[write.Key] = _writes.Count;
            _writes.Add(write);
        }
    }
}
