using System.Runtime.CompilerServices;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Tests.Objects.Fakes;

/// <summary>
/// Versions in a dictionary; <see cref="Unavailable"/> makes every call fail as an unreachable store would. With
/// <c>tracksContent</c> it also keeps a content record per storage id, referenced by each version's commit, as the
/// etcd store does (the Blob store does not), and refuses commits the etcd store refuses for content being or having
/// been collected (<see cref="MarkCollected"/>).
/// </summary>
internal sealed class InMemoryMetadataStore(bool tracksContent = false) : IMetadataStore
{
    private readonly Dictionary<string, List<ObjectVersion>> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContentRecord> _content = new(StringComparer.Ordinal);

    public bool Unavailable { get; set; }

    public int Appends { get; private set; }

    public int ContentLookups { get; private set; }

    public bool TracksContent => tracksContent;

    public Task<ContentRecord?> FindContentAsync(string storageId, CancellationToken cancellationToken)
    {
        lock (_versions)
        {
            Check();
            ContentLookups++;
            return Task.FromResult(tracksContent && _content.TryGetValue(storageId, out var record) ? record : null);
        }
    }

    public Task<ObjectVersion?> GetLatestAsync(ObjectName name, CancellationToken cancellationToken)
    {
        lock (_versions)
        {
            Check();
            return Task.FromResult(_versions.TryGetValue(name.Value, out var list) ? list[^1] : null);
        }
    }

    public Task<ObjectVersion?> GetVersionAsync(ObjectName name, long version, CancellationToken cancellationToken)
    {
        lock (_versions)
        {
            Check();
            return Task.FromResult(_versions.TryGetValue(name.Value, out var list) ? list.FirstOrDefault(v => v.Version == version) : null);
        }
    }

    public Task<IReadOnlyList<ObjectVersion>> ListVersionsAsync(ObjectName name, CancellationToken cancellationToken)
    {
        lock (_versions)
        {
            Check();
            return Task.FromResult<IReadOnlyList<ObjectVersion>>(_versions.TryGetValue(name.Value, out var list) ? list.ToList() : []);
        }
    }

    public Task<ObjectVersion> AppendAsync(ObjectName name, long size, string hash, bool deleted, string layout, CancellationToken cancellationToken, bool contentLookedUp = true)
    {
        lock (_versions)
        {
            Check();
            var storageId = tracksContent && !deleted && ContentHash.TryParse(hash, out var stored) ? ObjectLayout.Parse(layout).StorageId(stored).Hex : null;
            if (storageId is not null && _content.TryGetValue(storageId, out var seen)
                && (seen.State == ContentState.Collecting || (seen.State == ContentState.Collected && !contentLookedUp)))
            {
                throw new ContentCollectedException(storageId);
            }

            if (!_versions.TryGetValue(name.Value, out var list))
            {
                _versions[name.Value] = list = [];
            }

            var version = new ObjectVersion(name.Value, list.Count + 1, size, hash, deleted, DateTimeOffset.UnixEpoch, layout);
            list.Add(version);
            Appends++;
            if (storageId is not null)
            {
                _content[storageId] = _content.TryGetValue(storageId, out var record) && record.State == ContentState.Live
                    ? record with { References = record.References + 1 }
                    : new ContentRecord(storageId, hash, layout, size, 1, ContentState.Live, record is null ? 0 : record.Generation + 1, DateTimeOffset.UnixEpoch);
            }

            return Task.FromResult(version);
        }
    }

    public Task<int> PurgeAsync(ObjectName name, CancellationToken cancellationToken)
    {
        lock (_versions)
        {
            Check();
            if (!_versions.Remove(name.Value, out var list))
            {
                return Task.FromResult(0);
            }

            foreach (var version in list.Where(v => tracksContent && !v.Deleted))
            {
                if (ContentHash.TryParse(version.Hash, out var content) && _content.TryGetValue(ObjectLayout.Parse(version.Layout).StorageId(content).Hex, out var record))
                {
                    _content[record.StorageId] = record with { References = Math.Max(0, record.References - 1) };
                }
            }

            return Task.FromResult(list.Count);
        }
    }

    public Task<IReadOnlyList<ObjectVersion>> ListNamesAsync(string namePrefix, string? startAfter, int limit, CancellationToken cancellationToken)
    {
        lock (_versions)
        {
            Check();
            IReadOnlyList<ObjectVersion> page = _versions
                .Where(p => p.Key.StartsWith(namePrefix, StringComparison.Ordinal) && (startAfter is null || string.CompareOrdinal(p.Key, startAfter) > 0))
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Take(limit)
                .Select(p => p.Value[^1])
                .ToList();
            return Task.FromResult(page);
        }
    }

    public async IAsyncEnumerable<ObjectVersion> ScanAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<ObjectVersion> all;
        lock (_versions)
        {
            Check();
            all = _versions.Values.SelectMany(v => v).Where(v => !v.Deleted).ToList();
        }

        foreach (var version in all)
        {
            await Task.Yield();
            yield return version;
        }
    }

    public async IAsyncEnumerable<ContentRecord> ScanContentAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<ContentRecord> all;
        lock (_versions)
        {
            Check();
            all = _content.Values.OrderBy(r => r.StorageId, StringComparer.Ordinal).ToList();
        }

        foreach (var record in all)
        {
            await Task.Yield();
            yield return record;
        }
    }

    /// <summary>As the collector leaves a record it has deleted the bytes of: a tombstone, unreferenced.</summary>
    public void MarkCollected(string storageId)
    {
        lock (_versions)
        {
            _content[storageId] = _content[storageId] with { State = ContentState.Collected, References = 0 };
        }
    }

    private void Check()
    {
        if (Unavailable)
        {
            throw new MetadataUnavailableException("metadata store unavailable (test)");
        }
    }
}
