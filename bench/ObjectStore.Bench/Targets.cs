using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Azure;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace ObjectStore.Bench;

/// <summary>An upload body: in memory (small sizes) or a stream opened per op from the source file (large sizes).</summary>
internal readonly record struct Body(long Size, ReadOnlyMemory<byte> Memory, Func<Stream>? Open)
{
    public HttpContent ToHttpContent()
    {
        HttpContent content = Open is null
            ? new ReadOnlyMemoryContent(Memory)
            : new StreamContent(Open(), 1 << 20);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = Size;
        return content;
    }
}

/// <summary>A failed operation, with a short reason that is counted per run (e.g. <c>HTTP 503</c>).</summary>
internal sealed class OpFailedException(string reason, string? detail = null)
    : Exception(string.IsNullOrEmpty(detail) ? reason : $"{reason}: {detail}")
{
    /// <summary>What failures are counted by, e.g. <c>HTTP 503</c>; the message adds the start of the body.</summary>
    public string Reason { get; } = reason;
}

/// <summary>One system under measurement: ObjectStore or a reference. Keys are flat (<c>b-{workload}-{op}</c>).</summary>
internal interface ITarget
{
    string Name { get; }

    Task PutAsync(string key, Body body, CancellationToken cancellationToken);

    /// <summary>Reads the whole object into <paramref name="buffer"/> (overwritten, discarded); copies its first bytes to <paramref name="head"/>; returns its length.</summary>
    Task<long> GetAsync(string key, byte[] buffer, byte[] head, CancellationToken cancellationToken);

    /// <summary>Completes when the system correctly reports the object as missing (404); throws otherwise.</summary>
    Task GetMissingAsync(string key, CancellationToken cancellationToken);
}

internal static class HttpOps
{
    public static async Task PutAsync(HttpClient http, Uri uri, Body body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = body.ToHttpContent() };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var text = await DrainAsync(response, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new OpFailedException($"HTTP {(int)response.StatusCode}", text);
        }
    }

    public static async Task<long> GetAsync(HttpClient http, Uri uri, byte[] buffer, byte[] head, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var text = await DrainAsync(response, cancellationToken).ConfigureAwait(false);
            throw new OpFailedException($"HTTP {(int)response.StatusCode}", text);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAllAsync(stream, buffer, head, cancellationToken).ConfigureAwait(false);
    }

    public static async Task GetMissingAsync(HttpClient http, Uri uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var text = await DrainAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            throw new OpFailedException($"HTTP {(int)response.StatusCode} (want 404)", text);
        }
    }

    /// <summary>Reads a stream to its end into a reused buffer; returns the byte count.</summary>
    public static async Task<long> ReadAllAsync(Stream stream, byte[] buffer, byte[] head, CancellationToken cancellationToken)
    {
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (total < head.Length)
            {
                int n = (int)Math.Min(head.Length - total, read);
                buffer.AsSpan(0, n).CopyTo(head.AsSpan((int)total));
            }

            total += read;
        }

        return total;
    }

    /// <summary>Reads a (small) response body to its end; returns its first 300 bytes as text, for failure messages.</summary>
    private static async Task<string> DrainAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        const int Keep = 300;
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            int kept = 0, read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(kept < Keep ? kept : 0), cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (kept < Keep)
                {
                    kept = Math.Min(Keep, kept + read);
                }
            }

            return System.Text.Encoding.UTF8.GetString(buffer, 0, kept).ReplaceLineEndings(" ");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>The Api: <c>PUT/GET /objects/{name}</c>.</summary>
internal sealed class ObjectStoreTarget(HttpClient http, Uri baseUri) : ITarget, IWrkTarget
{
    public string Name => "objectstore";

    public Uri BaseUri => baseUri;

    public string PathPrefix => baseUri.AbsolutePath + "objects/";

    public string PathSuffix => "";

    private Uri Object(string key) => new(baseUri, "objects/" + Uri.EscapeDataString(key));

    public Task PutAsync(string key, Body body, CancellationToken cancellationToken) => HttpOps.PutAsync(http, Object(key), body, cancellationToken);

    public Task<long> GetAsync(string key, byte[] buffer, byte[] head, CancellationToken cancellationToken) =>
        HttpOps.GetAsync(http, Object(key), buffer, head, cancellationToken);

    public Task GetMissingAsync(string key, CancellationToken cancellationToken) => HttpOps.GetMissingAsync(http, Object(key), cancellationToken);
}

/// <summary>nginx on loopback: WebDAV PUT (body to a temp file, then rename; no fsync) and static GET (sendfile).</summary>
internal sealed class NginxTarget(HttpClient http, Uri baseUri) : ITarget, IWrkTarget
{
    public string Name => "nginx";

    public Uri BaseUri => baseUri;

    public string PathPrefix => baseUri.AbsolutePath;

    public string PathSuffix => ".bin";

    private Uri File(string key) => new(baseUri, Uri.EscapeDataString(key) + ".bin");

    public Task PutAsync(string key, Body body, CancellationToken cancellationToken) => HttpOps.PutAsync(http, File(key), body, cancellationToken);

    public Task<long> GetAsync(string key, byte[] buffer, byte[] head, CancellationToken cancellationToken) =>
        HttpOps.GetAsync(http, File(key), buffer, head, cancellationToken);

    public Task GetMissingAsync(string key, CancellationToken cancellationToken) => HttpOps.GetMissingAsync(http, File(key), cancellationToken);
}

/// <summary>
/// Local files on the data nodes' filesystem: write the bytes, fsync, close (as a data node does before it
/// acknowledges), and read them back. No HTTP, no hashing: the ceiling of what the machine's storage path can do.
/// </summary>
internal sealed class DiskTarget : ITarget
{
    private readonly string _directory;

    public DiskTarget(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
    }

    public string Name => "disk";

    public async Task PutAsync(string key, Body body, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_directory, key);
        if (body.Open is null)
        {
            // Small bodies: one write and one fsync, synchronously (what a thread-pool thread of a data node does).
            await Task.Yield();
            using var small = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            small.Write(body.Memory.Span);
            small.Flush(flushToDisk: true);
            return;
        }

        await using var source = body.Open();
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, 1 << 20), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            file.Flush(flushToDisk: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task<long> GetAsync(string key, byte[] buffer, byte[] head, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(Path.Combine(_directory, key), FileMode.Open, FileAccess.Read, FileShare.Read, 1,
            FileOptions.Asynchronous | FileOptions.SequentialScan);
        return await HttpOps.ReadAllAsync(file, buffer, head, cancellationToken).ConfigureAwait(false);
    }

    public Task GetMissingAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var handle = System.IO.File.OpenHandle(Path.Combine(_directory, key), FileMode.Open, FileAccess.Read);
        }
        catch (FileNotFoundException)
        {
            return Task.CompletedTask;
        }

        throw new OpFailedException("file exists");
    }
}

/// <summary>Azurite's Blob API through Azure.Storage.Blobs, on the same HttpClient, in a container of our own.</summary>
internal sealed class AzuriteTarget : ITarget
{
    private readonly BlobContainerClient _container;

    public AzuriteTarget(HttpClient http, string connectionString, string container)
    {
        var options = new BlobClientOptions
        {
            Transport = new HttpClientTransport(http),
            Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromMinutes(10) },
        };
        options.Diagnostics.IsLoggingEnabled = false;
        options.Diagnostics.IsDistributedTracingEnabled = false;
        options.Diagnostics.IsTelemetryEnabled = false;
        _container = new BlobContainerClient(connectionString, container, options);
    }

    public string Name => "azurite";

    public string ContainerName => _container.Name;

    public Task CreateAsync(CancellationToken cancellationToken) => _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    public Task DeleteAsync(CancellationToken cancellationToken) => _container.DeleteIfExistsAsync(cancellationToken: cancellationToken);

    public async Task PutAsync(string key, Body body, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(key);
        try
        {
            if (body.Open is null)
            {
                await blob.UploadAsync(BinaryData.FromBytes(body.Memory), overwrite: true, cancellationToken).ConfigureAwait(false);
                return;
            }

            await using var stream = body.Open();
            await blob.UploadAsync(stream, new BlobUploadOptions(), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            throw new OpFailedException($"HTTP {ex.Status}");
        }
    }

    public async Task<long> GetAsync(string key, byte[] buffer, byte[] head, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _container.GetBlobClient(key).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            using var result = response.Value;
            return await HttpOps.ReadAllAsync(result.Content, buffer, head, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            throw new OpFailedException($"HTTP {ex.Status}");
        }
    }

    public async Task GetMissingAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _container.GetBlobClient(key).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            response.Value.Dispose();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return;
        }
        catch (RequestFailedException ex)
        {
            throw new OpFailedException($"HTTP {ex.Status} (want 404)");
        }

        throw new OpFailedException("HTTP 200 (want 404)");
    }
}
