using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Metadata;

/// <summary>
/// Metadata in Azure Blob Storage (<c>AzureWebJobsStorage</c>), one blob per version:
/// <c>versions/{sha256(name)}/{long.MaxValue - version, 19 digits}</c>, fields in blob metadata.
/// <list type="bullet">
/// <item>Inverted version numbers list newest first, so the latest version is one listing call of one item, whatever the history.</item>
/// <item>A version is created with <c>If-None-Match: *</c>: of racing writers exactly one gets version N+1, the others
/// re-read and try N+2. A writer only tries N+1 after seeing N, so versions have no gaps. No process-local lock.</item>
/// <item>Names are hashed into the key because a 1024-byte UTF-8 name does not fit a blob name once escaped.</item>
/// </list>
/// </summary>
public sealed partial class BlobMetadataStore : IMetadataStore
{
    private readonly BlobContainerClient _container;
    private readonly ObjectStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BlobMetadataStore> _logger;
    private volatile bool _containerReady;

    public BlobMetadataStore(IConfiguration configuration, IOptions<ObjectStoreOptions> options, TimeProvider time, ILogger<BlobMetadataStore> logger)
    {
        var connectionString = configuration["AzureWebJobsStorage"]
            ?? throw new InvalidOperationException("Setting 'AzureWebJobsStorage' is not configured.");
        var clientOptions = new BlobClientOptions
        {
            // Fail over to a clear 503 within seconds rather than the SDK's long default backoff.
            Retry = { MaxRetries = 2, Delay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1), Mode = RetryMode.Exponential, NetworkTimeout = TimeSpan.FromSeconds(10) },
        };
        _options = options.Value;
        _container = new BlobServiceClient(connectionString, clientOptions).GetBlobContainerClient(_options.MetadataContainer);
        _time = time;
        _logger = logger;
    }

    public Task<ObjectVersion?> GetLatestAsync(ObjectName name, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            await foreach (var page in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix(name), Traits = BlobTraits.Metadata }, cancellationToken)
                .AsPages(pageSizeHint: 1).ConfigureAwait(false))
            {
                return page.Values.Count == 0 ? null : FromMetadata(name, page.Values[0].Metadata);
            }

            return null;
        });

    public Task<ObjectVersion?> GetVersionAsync(ObjectName name, long version, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            if (version < 1)
            {
                return null;
            }

            try
            {
                var properties = await _container.GetBlobClient(BlobName(name, version)).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                return FromMetadata(name, properties.Value.Metadata);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return null;
            }
        });

    public Task<IReadOnlyList<ObjectVersion>> ListVersionsAsync(ObjectName name, CancellationToken cancellationToken) =>
        GuardAsync<IReadOnlyList<ObjectVersion>>(async () =>
        {
            var versions = new List<ObjectVersion>();
            await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix(name), Traits = BlobTraits.Metadata }, cancellationToken).ConfigureAwait(false))
            {
                versions.Add(FromMetadata(name, item.Metadata));
            }

            versions.Reverse();
            return versions;
        }, []);

    public async IAsyncEnumerable<ObjectVersion> ScanAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var items = _container.GetBlobsAsync(new GetBlobsOptions { Prefix = "versions/", Traits = BlobTraits.Metadata }, cancellationToken);
        await using var enumerator = items.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            ObjectVersion? next = null;
            try
            {
                if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }

                next = FromMetadata(null, enumerator.Current.Metadata);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                yield break;
            }
            catch (RequestFailedException ex)
            {
                throw new MetadataUnavailableException($"metadata store unavailable: {FirstLine(ex.Message)}", ex);
            }

            if (!next.Deleted)
            {
                yield return next;
            }
        }
    }

    /// <remarks>Without content records nothing is ever collected, so <paramref name="contentLookedUp"/> changes nothing.</remarks>
    public Task<ObjectVersion> AppendAsync(ObjectName name, long size, string hash, bool deleted, string layout, CancellationToken cancellationToken, bool contentLookedUp = true) =>
        GuardAsync<ObjectVersion>(async () =>
        {
            await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
            for (var attempt = 1; attempt <= _options.MaxVersionAttempts; attempt++)
            {
                var latest = await GetLatestAsync(name, cancellationToken).ConfigureAwait(false);
                var record = new ObjectVersion(name.Value, (latest?.Version ?? 0) + 1, size, hash, deleted, _time.GetUtcNow(), layout);
                try
                {
                    await _container.GetBlobClient(BlobName(name, record.Version)).UploadAsync(
                        BinaryData.FromObjectAsJson(record),
                        new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All }, Metadata = ToMetadata(record) },
                        cancellationToken).ConfigureAwait(false);
                    return record;
                }
                catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == BlobErrorCode.ContainerNotFound)
                {
                    // Storage was reset under us (a fresh Azurite): create the container again and retry.
                    _containerReady = false;
                    await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException ex) when (ex.Status == 409)
                {
                    LogVersionRace(record.Version, attempt);
                    // Spread the retries of many racing writers so they do not collide again in lock step.
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * Math.Min(attempt, 10))), cancellationToken).ConfigureAwait(false);
                }
            }

            throw new MetadataUnavailableException($"could not commit a version after {_options.MaxVersionAttempts} attempts: too many concurrent writers");
        });

    /// <summary>
    /// Deletes the name's version blobs oldest first, so that readers see the latest version until the name is gone,
    /// never an older one. (Blob Storage keeps no content records: the bytes stay on the nodes.)
    /// </summary>
    public Task<int> PurgeAsync(ObjectName name, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            var blobs = new List<string>();
            await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix(name) }, cancellationToken).ConfigureAwait(false))
            {
                blobs.Add(item.Name);
            }

            blobs.Reverse();
            foreach (var blob in blobs)
            {
                await _container.DeleteBlobIfExistsAsync(blob, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            return blobs.Count;
        });

    public Task<IReadOnlyList<ObjectVersion>> ListNamesAsync(string namePrefix, string? startAfter, int limit, CancellationToken cancellationToken) =>
        throw new NotSupportedException("listing names needs the etcd metadata store (ObjectStore:MetadataStore=etcd): Blob Storage keeps names hashed");

    public bool TracksContent => false;

    public Task<ContentRecord?> FindContentAsync(string storageId, CancellationToken cancellationToken) => Task.FromResult<ContentRecord?>(null);

    public IAsyncEnumerable<ContentRecord> ScanContentAsync(CancellationToken cancellationToken) => AsyncEnumerable.Empty<ContentRecord>();

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (!_containerReady)
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _containerReady = true;
        }
    }

    private static async Task<T> GuardAsync<T>(Func<Task<T>> action, T whenNoContainer = default!)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            // Nothing was ever written: reads see no versions.
            return whenNoContainer;
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException or HttpRequestException or IOException
                                   || (ex is OperationCanceledException && ex.InnerException is not null))
        {
            throw new MetadataUnavailableException($"metadata store unavailable: {FirstLine(ex.Message)}", ex);
        }
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    /// <summary>The name as it appears in keys (and in cache broadcasts): the hex SHA-256 of its UTF-8 bytes.</summary>
    public static string NameKey(ObjectName name) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name.Value)));

    internal static string Prefix(ObjectName name) => $"versions/{NameKey(name)}/";

    internal static string BlobName(ObjectName name, long version) =>
        Prefix(name) + (long.MaxValue - version).ToString("D19", CultureInfo.InvariantCulture);

    private static Dictionary<string, string> ToMetadata(ObjectVersion v) => new()
    {
        ["version"] = v.Version.ToString(CultureInfo.InvariantCulture),
        ["size"] = v.Size.ToString(CultureInfo.InvariantCulture),
        ["hash"] = v.Hash,
        ["deleted"] = v.Deleted ? "true" : "false",
        ["created"] = v.Created.ToString("O", CultureInfo.InvariantCulture),
        ["layout"] = v.Layout,
    };

    /// <summary>A scan has no name at hand (names are hashed into keys); repairs need only the content fields.</summary>
    private static ObjectVersion FromMetadata(ObjectName? name, IDictionary<string, string> m) => new(
        name?.Value ?? string.Empty,
        long.Parse(m["version"], CultureInfo.InvariantCulture),
        long.Parse(m["size"], CultureInfo.InvariantCulture),
        m["hash"],
        m["deleted"] == "true",
        DateTimeOffset.Parse(m["created"], CultureInfo.InvariantCulture),
        m.TryGetValue("layout", out var layout) ? layout : "replica-1");

    [LoggerMessage(Level = LogLevel.Debug, Message = "Version {Version} taken by a concurrent writer (attempt {Attempt})")]
    private partial void LogVersionRace(long version, int attempt);
}
