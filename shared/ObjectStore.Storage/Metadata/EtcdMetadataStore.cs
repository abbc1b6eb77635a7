using System.Runtime.CompilerServices;
using System.Text.Json;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Mvccpb;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Metadata;

/// <summary>
/// Object metadata in etcd (key layout in <see cref="EtcdKeys"/>). A version commit is one transaction — compare the
/// name's head, create the next version key, move the head, count the reference in the content record — grouped with
/// the concurrent commits of this process (<see cref="EtcdVersionCommitter"/>). Reads are one point read (latest, a
/// given version, a content record) or one paged range read (a name's versions, names under a prefix, a scan).
/// </summary>
public sealed class EtcdMetadataStore : IMetadataStore, IAsyncDisposable
{
    private const int PageSize = 1000;

    /// <summary>Versions dropped per transaction (each also updates a content record): well under etcd's 128 operations.</summary>
    internal const int VersionsPerTransaction = 40;
    private readonly EtcdConnection _etcd;
    private readonly ObjectStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly EtcdVersionCommitter _committer;
    private readonly EtcdPointReads _reads;
    private readonly ILogger<EtcdMetadataStore> _logger;

    public EtcdMetadataStore(EtcdConnection etcd, IOptions<ObjectStoreOptions> options, TimeProvider time, ILogger<EtcdMetadataStore> logger)
    {
        _etcd = etcd;
        _options = options.Value;
        _time = time;
        _logger = logger;
        Keys = new EtcdKeys(_options.EtcdPrefix);
        _committer = new EtcdVersionCommitter(this, _options, time, logger);
        _reads = new EtcdPointReads(ReadOneAsync, txn => TransactAsync(txn, CancellationToken.None));
    }

    public bool TracksContent => true;

    internal EtcdKeys Keys { get; }

    public async Task<ObjectVersion?> GetLatestAsync(ObjectName name, CancellationToken cancellationToken)
    {
        var kv = await GetAsync(Keys.Head(name.Value), cancellationToken).ConfigureAwait(false);
        return kv is null ? null : ReadVersion(kv).ToVersion(name.Value);
    }

    public async Task<ObjectVersion?> GetVersionAsync(ObjectName name, long version, CancellationToken cancellationToken)
    {
        if (version < 1)
        {
            return null;
        }

        var kv = await GetAsync(Keys.Version(name.Value, version), cancellationToken).ConfigureAwait(false);
        return kv is null ? null : ReadVersion(kv).ToVersion(name.Value);
    }

    public async Task<IReadOnlyList<ObjectVersion>> ListVersionsAsync(ObjectName name, CancellationToken cancellationToken)
    {
        var versions = new List<ObjectVersion>();
        var prefix = Keys.VersionsOf(name.Value);
        await foreach (var kv in RangeAsync(prefix, EtcdKeys.RangeEnd(prefix), cancellationToken).ConfigureAwait(false))
        {
            versions.Add(ReadVersion(kv).ToVersion(name.Value));
        }

        return versions;
    }

    public async IAsyncEnumerable<ObjectVersion> ScanAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var kv in RangeAsync(Keys.VersionPrefix, EtcdKeys.RangeEnd(Keys.VersionPrefix), cancellationToken).ConfigureAwait(false))
        {
            var version = ReadVersion(kv);
            if (!version.Deleted)
            {
                yield return version.ToVersion(Keys.ParseVersion(kv.Key).Name);
            }
        }
    }

    /// <summary>One range read.</summary>
    public async Task<IReadOnlyList<ObjectVersion>> ListNamesAsync(string namePrefix, string? startAfter, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var prefix = Keys.HeadsUnder(namePrefix);
        var from = startAfter is null || string.CompareOrdinal(startAfter, namePrefix) < 0 ? prefix : EtcdKeys.After(Keys.Head(startAfter));
        var response = await CallAsync((client, d) => client.GetAsync(new RangeRequest { Key = from, RangeEnd = EtcdKeys.RangeEnd(prefix), Limit = limit }, deadline: d, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return response.Kvs.Select(kv => ReadVersion(kv).ToVersion(Keys.NameOfHead(kv.Key))).ToList();
    }

    public Task<ObjectVersion> AppendAsync(ObjectName name, long size, string hash, bool deleted, string layout, CancellationToken cancellationToken, bool contentLookedUp = true) =>
        _committer.CommitAsync(name.Value, size, hash, deleted, layout, contentLookedUp, cancellationToken);

    /// <summary>
    /// Drops the versions in transactions of at most <see cref="VersionsPerTransaction"/>, taking their references off
    /// the content records as retention does; the last one removes the name on condition that its head has not moved.
    /// A PUT that lands meanwhile makes that compare fail, and the purge starts again with what is there now.
    /// </summary>
    public async Task<int> PurgeAsync(ObjectName name, CancellationToken cancellationToken)
    {
        var dropped = 0;
        for (var attempt = 1; attempt <= _options.MaxVersionAttempts; attempt++)
        {
            var head = await GetAsync(Keys.Head(name.Value), cancellationToken).ConfigureAwait(false);
            if (head is null)
            {
                return dropped;
            }

            var versions = await ListVersionsAsync(name, cancellationToken).ConfigureAwait(false);
            var (count, complete) = await TryDropInChunksAsync(name.Value, versions, dropName: true, head.ModRevision, cancellationToken).ConfigureAwait(false);
            dropped += count;
            if (complete)
            {
                return dropped;
            }
        }

        throw new MetadataUnavailableException($"could not purge '{name.Value}' after {_options.MaxVersionAttempts} attempts: too many concurrent writers");
    }

    /// <summary>
    /// The record of stored bytes, asked by a writer before it sends or commits bytes: usually one point read. The commit
    /// that follows compares against what it saw (see <see cref="EtcdVersionCommitter"/>). Unreferenced content gets its
    /// grace period restarted (one write, only then), so the collector cannot take it before this writer commits — a PUT
    /// racing the collector wins. Content being collected right now is waited for (milliseconds) and then reported as
    /// collected, so that the writer sends its bytes again after the deletion.
    /// </summary>
    public async Task<ContentRecord?> FindContentAsync(string storageId, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _options.EtcdOperationTimeout;
        ContentRecord? record;
        // Linearizable (through the leader), never serializable: a member cut off from the quorum would answer "absent"
        // and the PUT would send its bytes only to fail at the commit, and a stale "still referenced" could hide a claim
        // by the collector when the grace period is short.
        while (true)
        {
            var kv = await GetAsync(Keys.Content(storageId), cancellationToken).ConfigureAwait(false);
            record = kv is null ? null : ReadContent(kv);
            if (record is { State: ContentState.Collecting } && _time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (record is { State: ContentState.Live, References: 0 })
            {
                var touched = record with { Since = _time.GetUtcNow() };
                if (!await TryReplaceContentAsync(record, touched, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                var kvAfter = await GetAsync(Keys.Content(storageId), cancellationToken).ConfigureAwait(false);
                record = kvAfter is null ? null : ReadContent(kvAfter);
                if (record is not { State: ContentState.Live })
                {
                    continue;
                }
            }

            break;
        }

        _committer.Observe(storageId, record);
        return record;
    }

    /// <summary>The content record if it is claimed by the collector (<see cref="ContentState.Collecting"/>), at its current revision.</summary>
    public async Task<ContentRecord?> FindClaimedAsync(string storageId, CancellationToken cancellationToken)
    {
        var kv = await GetAsync(Keys.Content(storageId), cancellationToken).ConfigureAwait(false);
        return kv is not null && ReadContent(kv) is { State: ContentState.Collecting } claimed ? claimed : null;
    }

    public IAsyncEnumerable<ContentRecord> ScanContentAsync(CancellationToken cancellationToken) => ScanContentAsync(null, null, cancellationToken);

    /// <summary>Content records with storage ids in [<paramref name="from"/>, <paramref name="to"/>) (null: unbounded), in order, paged.</summary>
    public async IAsyncEnumerable<ContentRecord> ScanContentAsync(string? from, string? to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var start = from is null ? Keys.ContentPrefix : Keys.Content(from);
        var end = to is null ? EtcdKeys.RangeEnd(Keys.ContentPrefix) : Keys.Content(to);
        await foreach (var kv in RangeAsync(start, end, cancellationToken).ConfigureAwait(false))
        {
            yield return ReadContent(kv);
        }
    }

    /// <summary>Replaces a content record if it is still at <paramref name="current"/>'s revision; false when someone changed it first.</summary>
    public async Task<bool> TryReplaceContentAsync(ContentRecord current, ContentRecord replacement, CancellationToken cancellationToken)
    {
        var key = Keys.Content(current.StorageId);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = current.Revision });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = ContentValue(replacement) } });
        var response = await CallAsync((client, d) => client.TransactionAsync(txn, deadline: d, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return response.Succeeded;
    }

    /// <summary>Deletes a content record (a tombstone past its grace) if it is still at its revision.</summary>
    public async Task<bool> TryDeleteContentAsync(ContentRecord current, CancellationToken cancellationToken)
    {
        var key = Keys.Content(current.StorageId);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = current.Revision });
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = key } });
        var response = await CallAsync((client, d) => client.TransactionAsync(txn, deadline: d, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return response.Succeeded;
    }

    /// <summary>Every name's head, in name order, paged (for retention).</summary>
    internal async IAsyncEnumerable<(string Name, ObjectVersion Head, long Revision)> ScanHeadsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var kv in RangeAsync(Keys.HeadPrefix, EtcdKeys.RangeEnd(Keys.HeadPrefix), cancellationToken).ConfigureAwait(false))
        {
            var name = Keys.NameOfHead(kv.Key);
            yield return (name, ReadVersion(kv).ToVersion(name), kv.ModRevision);
        }
    }

    /// <summary>
    /// Drops the given versions of a name in one transaction and takes their references off the content records
    /// (a record reaching zero starts its grace period). With <paramref name="dropName"/>, the head goes too, on
    /// condition that it is still at <paramref name="headRevision"/>: a PUT in between keeps the name. False when a
    /// compare failed (the caller reads again and retries on the next run).
    /// </summary>
    internal async Task<bool> TryDropVersionsAsync(string name, IReadOnlyList<ObjectVersion> versions, bool dropName, long headRevision, CancellationToken cancellationToken)
    {
        var counts = versions.Where(v => !v.Deleted)
            .GroupBy(v => StorageIdOf(v.Hash, v.Layout), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var records = new List<ContentRecord>();
        foreach (var id in counts.Keys)
        {
            var kv = await GetAsync(Keys.Content(id), cancellationToken).ConfigureAwait(false);
            if (kv is not null)
            {
                records.Add(ReadContent(kv));
            }
        }

        var txn = new TxnRequest();
        var now = _time.GetUtcNow();
        if (dropName)
        {
            var head = Keys.Head(name);
            txn.Compare.Add(new Compare { Key = head, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = headRevision });
            txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = head } });
        }

        foreach (var version in versions)
        {
            txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Keys.Version(name, version.Version) } });
        }

        foreach (var record in records)
        {
            var key = Keys.Content(record.StorageId);
            var references = Math.Max(0, record.References - counts[record.StorageId]);
            txn.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = record.Revision });
            var updated = record with { References = references, Since = references == 0 ? now : record.Since };
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = ContentValue(updated) } });
        }

        var response = await CallAsync((client, d) => client.TransactionAsync(txn, deadline: d, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return response.Succeeded;
    }

    /// <summary>
    /// <see cref="TryDropVersionsAsync"/> in transactions of at most <see cref="VersionsPerTransaction"/>, the name
    /// (with <paramref name="dropName"/>) in the last; stops at the first compare that fails. How many were dropped,
    /// and whether all were.
    /// </summary>
    internal async Task<(int Dropped, bool Complete)> TryDropInChunksAsync(string name, IReadOnlyList<ObjectVersion> versions, bool dropName, long headRevision, CancellationToken cancellationToken)
    {
        var dropped = 0;
        for (var i = 0; i < versions.Count || (i == 0 && dropName); i += VersionsPerTransaction)
        {
            var chunk = versions.Skip(i).Take(VersionsPerTransaction).ToList();
            var last = i + VersionsPerTransaction >= versions.Count;
            if (!await TryDropVersionsAsync(name, chunk, dropName && last, headRevision, cancellationToken).ConfigureAwait(false))
            {
                return (dropped, false);
            }

            dropped += chunk.Count;
        }

        return (dropped, true);
    }

    internal static string StorageIdOf(string hash, string layout) =>
        ContentHash.TryParse(hash, out var content) ? Objects.ObjectLayout.Parse(layout).StorageId(content).Hex : hash;

    /// <summary>One key, read with whatever other keys are being asked for at the moment (see <see cref="EtcdPointReads"/>).</summary>
    internal Task<KeyValue?> GetAsync(ByteString key, CancellationToken cancellationToken) => _reads.GetAsync(key, cancellationToken);

    /// <summary>The point reads' round trips that carried two or more of them (for tests).</summary>
    internal long GroupedReads => _reads.Groups;

    // Shared by the callers of a group, so no one caller's cancellation applies; the deadline bounds it.
    private async Task<KeyValue?> ReadOneAsync(ByteString key)
    {
        var response = await CallAsync((client, d) => client.GetAsync(new RangeRequest { Key = key }, deadline: d)).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? null : response.Kvs[0];
    }

    internal Task<TxnResponse> TransactAsync(TxnRequest txn, CancellationToken cancellationToken) =>
        CallAsync((client, d) => client.TransactionAsync(txn, deadline: d, cancellationToken: cancellationToken));

    /// <summary>A range read in pages (etcd 3.4 has no streaming range), each page continuing after the last key.</summary>
    private async IAsyncEnumerable<KeyValue> RangeAsync(ByteString from, ByteString to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var start = from;
        while (true)
        {
            var key = start;
            var page = await CallAsync((client, d) => client.GetAsync(new RangeRequest { Key = key, RangeEnd = to, Limit = PageSize }, deadline: d, cancellationToken: cancellationToken)).ConfigureAwait(false);
            foreach (var kv in page.Kvs)
            {
                yield return kv;
            }

            if (!page.More || page.Kvs.Count == 0)
            {
                yield break;
            }

            start = EtcdKeys.After(page.Kvs[^1].Key);
        }
    }

    /// <summary>
    /// Every etcd call goes through here: a deadline, the next member when one cannot be reached (each member once, within
    /// the deadline; every call is idempotent), and a clear 503 when the cluster cannot answer.
    /// </summary>
    private async Task<T> CallAsync<T>(Func<EtcdClient, DateTime?, Task<T>> call)
    {
        try
        {
            return await _etcd.CallAsync(call, _options.EtcdOperationTimeout, _logger).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
        {
            throw MetadataErrors.EtcdUnavailable(ex);
        }
    }

    internal static StoredVersion ReadVersion(KeyValue kv) =>
        JsonSerializer.Deserialize(kv.Value.Span, EtcdJson.Default.StoredVersion) ?? throw new InvalidDataException("empty version record");

    internal ContentRecord ReadContent(KeyValue kv) =>
        (JsonSerializer.Deserialize(kv.Value.Span, EtcdJson.Default.ContentRecord) ?? throw new InvalidDataException("empty content record")) with { Revision = kv.ModRevision };

    internal static ByteString VersionValue(StoredVersion version) => ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(version, EtcdJson.Default.StoredVersion));

    internal static ByteString ContentValue(ContentRecord record) => ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(record, EtcdJson.Default.ContentRecord));

    public async ValueTask DisposeAsync()
    {
        await _reads.DisposeAsync().ConfigureAwait(false);
        await _committer.DisposeAsync().ConfigureAwait(false);
    }
}
