namespace ObjectStore.FileSystem.Data;

/// <summary>
/// Settings of a mount's data layer (file contents as slice objects in the store), bound from the
/// <c>FileData</c> section. Defaults suit one mount on a laptop; every ceiling here bounds memory or waiting.
/// </summary>
public sealed class FileDataOptions
{
    public const string Section = "FileData";

    /// <summary>Base URL of the Api that stores the slice objects, e.g. <c>http://127.0.0.1:7071</c>. Required.</summary>
    public string ApiEndpoint { get; set; } = string.Empty;

    /// <summary>Volume name: slice objects are named <c>fs/&lt;Volume&gt;/slices/&lt;id&gt;/&lt;block&gt;</c>. Letters, digits, '-', '_', '.'. Default <c>default</c>.</summary>
    public string Volume { get; set; } = "default";

    /// <summary>Memory for write-back buffers of all open files together. Writers wait for uploads when it is used up. Default 256 MiB.</summary>
    public long WriteBufferBytes { get; set; } = 256L << 20;

    /// <summary>Memory for cached blocks (read cache and read-ahead) of all files together. Default 256 MiB.</summary>
    public long MemoryCacheBytes { get; set; } = 256L << 20;

    /// <summary>Local directory for the disk block cache; empty turns it off. Default off.</summary>
    public string CacheDirectory { get; set; } = string.Empty;

    /// <summary>Size limit of the disk block cache; least recently used blocks are evicted beyond it. Default 1 GiB.</summary>
    public long CacheBytes { get; set; } = 1L << 30;

    /// <summary>
    /// How far ahead of a sequential reader blocks are fetched at most. Default 64 MiB: 16 blocks, as many as
    /// <see cref="DownloadConcurrency"/> lets run at once (measured reading 1 GiB on 2 cores: 313-343 MB/s, against
    /// 265-328 with 32 MiB and 272-304 with 16 MiB, and less CPU in the mount).
    /// </summary>
    public long ReadAheadBytes { get; set; } = 64L << 20;

    /// <summary>Block uploads in flight at once, all files together. Default 8.</summary>
    public int UploadConcurrency { get; set; } = 8;

    /// <summary>Block downloads (reads and read-ahead) in flight at once, all files together. Default 16.</summary>
    public int DownloadConcurrency { get; set; } = 16;

    /// <summary>How long one HTTP attempt against the Api may go without progress (no answer, no bytes moving) before it counts as failed. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra attempts after a transient failure (Api unreachable, 5xx, timeout). Default 4.</summary>
    public int Retries { get; set; } = 4;

    /// <summary>First back-off after a transient failure; doubled per attempt. Default 250 ms (with 4 retries ~4 s in all).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a writer waits for write-buffer memory before failing with EIO (uploads stuck). Default 2 minutes.</summary>
    public TimeSpan BufferWaitTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long an open file trusts its copy of a chunk's slice list (another mount may write it). Default 1 s.</summary>
    public TimeSpan ChunkListTtl { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A chunk with more slices than this is compacted in the background. Default 32.</summary>
    public int CompactSliceThreshold { get; set; } = 32;

    /// <summary>Deleted slices handled per batch by the collector. Default 256.</summary>
    public int CollectBatchSize { get; set; } = 256;

    /// <summary>Batches the collector handles per call at most, so that one timer tick stays bounded. Default 16.</summary>
    public int CollectMaxBatches { get; set; } = 16;

    /// <summary>Throws a clear error for a setting that cannot work.</summary>
    public void Validate(bool requireApi = true)
    {
        if (requireApi && (!Uri.TryCreate(ApiEndpoint, UriKind.Absolute, out var api) || (api.Scheme != Uri.UriSchemeHttp && api.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"FileData:ApiEndpoint must be an http(s) URL, not '{ApiEndpoint}'.");
        }

        if (string.IsNullOrEmpty(Volume) || Volume.Length > 64 || !Volume.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || Volume is "." or "..")
        {
            throw new ArgumentException($"FileData:Volume must be 1-64 of letters, digits, '-', '_', '.', not '{Volume}'.");
        }

        if (WriteBufferBytes < 8L << 20)
        {
            throw new ArgumentException("FileData:WriteBufferBytes must be at least 8 MiB (two blocks).");
        }

        if (MemoryCacheBytes < 0 || CacheBytes < 0 || ReadAheadBytes < 0)
        {
            throw new ArgumentException("FileData: cache and read-ahead sizes cannot be negative.");
        }

        if (UploadConcurrency < 1 || DownloadConcurrency < 1 || Retries < 0 || CompactSliceThreshold < 2 || CollectBatchSize < 1 || CollectMaxBatches < 1)
        {
            throw new ArgumentException("FileData: concurrency, batch sizes and the compaction threshold must be positive (threshold at least 2).");
        }

        if (RequestTimeout <= TimeSpan.Zero || RetryDelay < TimeSpan.Zero || BufferWaitTimeout <= TimeSpan.Zero || ChunkListTtl < TimeSpan.Zero)
        {
            throw new ArgumentException("FileData: timeouts must be positive.");
        }
    }
}
