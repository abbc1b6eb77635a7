using System.Collections.Concurrent;
using System.Threading.Channels;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace ObjectStore.Storage.Metadata;

/// <summary>
/// Commits versions to etcd, one transaction per group of concurrent commits:
/// <list type="bullet">
/// <item>Compares, per name, the head's revision as this process last saw it (absent for a name it never saw), and per
/// content record the revision its writer saw (<see cref="Observe"/>, the dedup read before the bytes went to the nodes).</item>
/// <item>On success: puts version N+1, the head, and the content record with one more reference.</item>
/// <item>On failure the same transaction returns the heads, the attempted version keys and the content records, so
/// there is no extra read: a version key holding this commit's id means it had landed already (the client retries
/// <c>Unavailable</c> by itself); otherwise each commit is retried alone with what was read.</item>
/// </list>
/// While one transaction is in flight the next group gathers (one per name; a second commit to the same name waits for
/// the next group), so at c=1 a commit costs one round trip and at c=16 the round trips are shared.
/// <para>Collection safety: the collector only claims content unreferenced for longer than the grace period (which
/// exceeds any PUT), by changing its record (<see cref="ContentState.Collecting"/>); a writer that sees unreferenced
/// content restarts that grace period (<see cref="EtcdMetadataStore.FindContentAsync"/>). So content a writer saw live
/// cannot be collected before its commit, and one that saw it collected sent its bytes after the deletion. Should a
/// compare still find the record claimed, the commit fails (<see cref="ContentCollectedException"/>) rather than commit
/// a version without bytes.</para>
/// <para>A writer may also store first and commit without having looked (small PUTs: one etcd round trip fewer). Its
/// commit compares what this process last saw of the record (usually nothing: new content, compared absent). Absent at
/// the commit is safe: a collected record is kept as a tombstone for a grace period, longer than any PUT, so no
/// collection overlapped the store. Live is safe as for a writer that looked (live content is trusted). Being or having
/// been collected is not — the deletion may have come after this writer's bytes — and fails with
/// <see cref="ContentCollectedException"/>: the writer then looks and stores again.</para>
/// </summary>
internal sealed partial class EtcdVersionCommitter : IAsyncDisposable
{
    private const int MaxKnown = 100_000;
    private readonly EtcdMetadataStore _store;
    private readonly ObjectStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<PendingCommit> _queue = Channel.CreateUnbounded<PendingCommit>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, Head> _heads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ContentRecord?> _contents = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private int _disposed;

    public EtcdVersionCommitter(EtcdMetadataStore store, ObjectStoreOptions options, TimeProvider time, ILogger logger)
    {
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    private EtcdKeys Keys => _store.Keys;

    /// <summary>A writer read this content record (null: absent) before sending its bytes; its commit compares against it.</summary>
    public void Observe(string storageId, ContentRecord? record)
    {
        if (_contents.Count >= MaxKnown)
        {
            _contents.Clear();
        }

        _contents[storageId] = record;
    }

    /// <param name="contentLookedUp">Whether the writer asked about the content (<see cref="Observe"/>) before storing its bytes.</param>
    public Task<ObjectVersion> CommitAsync(string name, long size, string hash, bool deleted, string layout, bool contentLookedUp, CancellationToken cancellationToken)
    {
        var commit = new PendingCommit(name, size, hash, deleted, layout, deleted ? null : EtcdMetadataStore.StorageIdOf(hash, layout), contentLookedUp, Guid.NewGuid().ToString("N"), cancellationToken);
        if (!_queue.Writer.TryWrite(commit))
        {
            throw new ObjectDisposedException(nameof(EtcdVersionCommitter));
        }

        return commit.Done.Task;
    }

    private async Task RunAsync()
    {
        var waiting = new List<PendingCommit>();
        try
        {
            while (waiting.Count > 0 || await _queue.Reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
            {
                var batch = new List<PendingCommit>();
                var names = new HashSet<string>(StringComparer.Ordinal);
                var later = new List<PendingCommit>();
                foreach (var commit in waiting.Concat(Drain()))
                {
                    if (commit.CancellationToken.IsCancellationRequested)
                    {
                        commit.Done.TrySetCanceled(commit.CancellationToken);
                    }
                    else if (batch.Count < _options.MaxCommitsPerTransaction && names.Add(commit.Name))
                    {
                        batch.Add(commit);
                    }
                    else
                    {
                        later.Add(commit);
                    }
                }

                waiting = later;
                if (batch.Count > 0)
                {
                    await CommitGroupAsync(batch).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }

        foreach (var commit in waiting.Concat(Drain()))
        {
            commit.Done.TrySetException(new MetadataUnavailableException("the Api is shutting down; nothing was written"));
        }
    }

    private IEnumerable<PendingCommit> Drain()
    {
        while (_queue.Reader.TryRead(out var commit))
        {
            yield return commit;
        }
    }

    private async Task CommitGroupAsync(List<PendingCommit> batch)
    {
        if (batch.Count == 1)
        {
            await CommitAloneAsync(batch[0]).ConfigureAwait(false);
            return;
        }

        List<PendingCommit> retry;
        try
        {
            var attempt = Prepare(batch);
            retry = await TryCommitAsync(attempt).ConfigureAwait(false);
            if (retry.Count > 0)
            {
                LogGroupFellBack(batch.Count, retry.Count);
            }
        }
        catch (Exception ex)
        {
            // Did it land? Each commit finds out on its own, by its version key, before trying again.
            retry = batch;
            LogGroupFailed(batch.Count, ex.Message);
        }

        await Task.WhenAll(retry.Select(CommitAloneAsync)).ConfigureAwait(false);
    }

    private async Task CommitAloneAsync(PendingCommit commit)
    {
        try
        {
            for (var attempt = 1; attempt <= _options.MaxVersionAttempts; attempt++)
            {
                Attempt prepared;
                try
                {
                    prepared = Prepare([commit]);
                }
                catch (MetadataUnavailableException ex)
                {
                    commit.Done.TrySetException(ex);
                    return;
                }

                try
                {
                    if ((await TryCommitAsync(prepared).ConfigureAwait(false)).Count == 0)
                    {
                        return;
                    }
                }
                catch (MetadataUnavailableException ex)
                {
                    // The client retried a transaction whose answer was lost, or etcd lost its quorum with the
                    // transaction in its log: it may have landed, or land later. Look once.
                    await FindLandedAsync(prepared, commit).ConfigureAwait(false);
                    throw MetadataErrors.CommitUnconfirmed(ex);
                }

                LogVersionRace(commit.Name, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, Math.Min(attempt, 10))), _time).ConfigureAwait(false);
            }

            commit.Done.TrySetException(MetadataErrors.TooManyWriters(_options.MaxVersionAttempts));
        }
        catch (Exception ex)
        {
            commit.Done.TrySetException(ex);
        }
    }

    private async Task FindLandedAsync(Attempt prepared, PendingCommit commit)
    {
        try
        {
            var kv = await _store.GetAsync(Keys.Version(commit.Name, prepared.Versions[commit].Version), CancellationToken.None).ConfigureAwait(false);
            if (kv is not null && EtcdMetadataStore.ReadVersion(kv) is { } landed && landed.Commit == commit.Id)
            {
                commit.Done.TrySetResult(landed.ToVersion(commit.Name));
            }
        }
        catch (MetadataUnavailableException)
        {
        }
    }

    /// <summary>The transaction for a group, from what this process knows of heads and content records.</summary>
    private Attempt Prepare(IReadOnlyList<PendingCommit> commits)
    {
        var now = _time.GetUtcNow();
        var txn = new TxnRequest();
        var versions = new Dictionary<PendingCommit, StoredVersion>();
        var records = new List<ContentRecord>();
        foreach (var commit in commits)
        {
            var head = _heads.GetValueOrDefault(commit.Name);
            var version = new StoredVersion(head.Version + 1, commit.Size, commit.Hash, commit.Deleted, now, commit.Layout, commit.Id);
            versions[commit] = version;
            var headKey = Keys.Head(commit.Name);
            txn.Compare.Add(head.Revision == 0
                ? new Compare { Key = headKey, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 }
                : new Compare { Key = headKey, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = head.Revision });
            var value = EtcdMetadataStore.VersionValue(version);
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Keys.Version(commit.Name, version.Version), Value = value } });
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = headKey, Value = value } });
            txn.Failure.Add(new RequestOp { RequestRange = RequestRangeOf(headKey) });
            txn.Failure.Add(new RequestOp { RequestRange = RequestRangeOf(Keys.Version(commit.Name, version.Version)) });
        }

        foreach (var group in commits.Where(c => c.StorageId is not null).GroupBy(c => c.StorageId!, StringComparer.Ordinal))
        {
            var seen = _contents.GetValueOrDefault(group.Key);
            if (seen is { State: ContentState.Collecting } || (seen is { State: ContentState.Collected } && group.Any(c => !c.ContentLookedUp)))
            {
                // The collector is deleting these bytes right now, or deleted them at a time a writer that did not look
                // cannot place before its own store: whatever it sent may be deleted too.
                throw new ContentCollectedException(group.Key);
            }

            var first = group.First();
            var references = group.Count();
            var record = seen is { State: ContentState.Live }
                ? seen with { References = seen.References + references, Since = now }
                : new ContentRecord(group.Key, first.Hash, first.Layout, first.Size, references, ContentState.Live, seen is null ? 0 : seen.Generation + 1, now);
            var key = Keys.Content(group.Key);
            txn.Compare.Add(seen is null
                ? new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 }
                : new Compare { Key = key, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = seen.Revision });
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = EtcdMetadataStore.ContentValue(record) } });
            txn.Failure.Add(new RequestOp { RequestRange = RequestRangeOf(key) });
            records.Add(record);
        }

        return new Attempt(commits, txn, versions, records);
    }

    /// <summary>Runs an attempt; returns the commits that did not land (empty when it succeeded) after learning what the failure branch read.</summary>
    private async Task<List<PendingCommit>> TryCommitAsync(Attempt attempt)
    {
        var response = await _store.TransactAsync(attempt.Txn, CancellationToken.None).ConfigureAwait(false);
        if (response.Succeeded)
        {
            var revision = response.Header.Revision;
            foreach (var commit in attempt.Commits)
            {
                var version = attempt.Versions[commit];
                Remember(commit.Name, new Head(revision, version.Version));
                commit.Done.TrySetResult(version.ToVersion(commit.Name));
            }

            // The records changed at this revision; the next writer of the same content compares against it.
            foreach (var record in attempt.Records)
            {
                Observe(record.StorageId, record with { Revision = revision });
            }

            return [];
        }

        var retry = new List<PendingCommit>();
        var index = 0;
        foreach (var commit in attempt.Commits)
        {
            var head = response.Responses[index++].ResponseRange;
            var tried = response.Responses[index++].ResponseRange;
            if (tried.Kvs.Count == 1 && EtcdMetadataStore.ReadVersion(tried.Kvs[0]) is { } landed && landed.Commit == commit.Id)
            {
                commit.Done.TrySetResult(landed.ToVersion(commit.Name));
                continue;
            }

            Remember(commit.Name, head.Kvs.Count == 0 ? default : new Head(head.Kvs[0].ModRevision, EtcdMetadataStore.ReadVersion(head.Kvs[0]).Version));
            retry.Add(commit);
        }

        foreach (var group in attempt.Commits.Where(c => c.StorageId is not null).GroupBy(c => c.StorageId!, StringComparer.Ordinal))
        {
            var current = response.Responses[index++].ResponseRange;
            var now = current.Kvs.Count == 0 ? null : _store.ReadContent(current.Kvs[0]);
            var seen = _contents.GetValueOrDefault(group.Key);
            // Claimed or collected since the writer looked (which the touch in FindContentAsync makes impossible within a
            // grace period, so for such a writer this is a defence), or found so by a writer that did not look: its bytes
            // may be gone, fail rather than commit a version without them.
            var changed = seen is null ? now is not null : now is null || now.Revision != seen.Revision;
            var collectedMeanwhile = changed && (now is null
                ? seen is { State: not ContentState.Collected }
                : now.State != ContentState.Live || (seen is { State: ContentState.Live } && seen.Generation != now.Generation));
            if (collectedMeanwhile)
            {
                foreach (var commit in group.Where(retry.Contains).ToList())
                {
                    retry.Remove(commit);
                    commit.Done.TrySetException(new ContentCollectedException(group.Key));
                }
            }

            Observe(group.Key, now);
        }

        return retry;
    }

    private void Remember(string name, Head head)
    {
        if (_heads.Count >= MaxKnown)
        {
            _heads.Clear();
        }

        _heads[name] = head;
    }

    /// <summary>Idempotent: DI disposes the store once per registration that returns it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stopping.Dispose();
    }

    private static RangeRequest RequestRangeOf(ByteString key) => new() { Key = key };

    private readonly record struct Head(long Revision, long Version);

    private sealed record Attempt(IReadOnlyList<PendingCommit> Commits, TxnRequest Txn, Dictionary<PendingCommit, StoredVersion> Versions, IReadOnlyList<ContentRecord> Records);

    private sealed class PendingCommit(string name, long size, string hash, bool deleted, string layout, string? storageId, bool contentLookedUp, string id, CancellationToken cancellationToken)
    {
        public string Name { get; } = name;

        public long Size { get; } = size;

        public string Hash { get; } = hash;

        public bool Deleted { get; } = deleted;

        public string Layout { get; } = layout;

        public string? StorageId { get; } = storageId;

        public bool ContentLookedUp { get; } = contentLookedUp;

        public string Id { get; } = id;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<ObjectVersion> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A group of {Count} commits failed a compare; {Retried} retried alone")]
    private partial void LogGroupFellBack(int count, int retried);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A group of {Count} commits failed; each retried alone: {Reason}")]
    private partial void LogGroupFailed(int count, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Head of {Name} moved under a commit (attempt {Attempt})")]
    private partial void LogVersionRace(string name, int attempt);
}
