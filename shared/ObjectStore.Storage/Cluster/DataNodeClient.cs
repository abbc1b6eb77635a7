using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Objects;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.Storage.Cluster;

/// <summary>
/// <see cref="IDataNodeClient"/> over HTTP: one pooled, keep-alive handler for the process, no proxy (data nodes are
/// on the private network, and a developer's http_proxy must not capture loopback), no overall timeout because
/// bodies stream for as long as they need; callers' cancellation tokens bound each call instead.
/// </summary>
public sealed class DataNodeClient(HttpClient http) : IDataNodeClient
{
    public static SocketsHttpHandler CreateHandler() => new()
    {
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        MaxConnectionsPerServer = int.MaxValue,
    };

    public async Task<TempUploadResult> PutTempAsync(string address, string tempId, PipeReader body, long? length, bool shard, Action onStreaming, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, Url(address, DataNodeProtocol.TempPath(tempId, shard))) { Content = new PipeContent(body, length, onStreaming) };
        using var response = await SendAsync(address, request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(address, response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<TempUploadResult>(cancellationToken).ConfigureAwait(false)
            ?? throw new DataNodeException(address, "empty upload answer");
    }

    public async Task<TempUploadResult> StoreAsync(string address, StoredKey key, ReadOnlyMemory<byte> content, string blockChecksum, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, Url(address, DataNodeProtocol.ObjectPath(key.FileName))) { Content = new ReadOnlyMemoryContent(content) };
        request.Headers.Add(DataNodeProtocol.BlockChecksumHeader, blockChecksum);
        using var response = await SendAsync(address, request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(address, response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<TempUploadResult>(cancellationToken).ConfigureAwait(false)
            ?? throw new DataNodeException(address, "empty store answer");
    }

    public async Task<IReadOnlyList<StoreBatchItemResult>> StoreBatchAsync(string address, IReadOnlyList<StoreBatchItem> items, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(address, DataNodeProtocol.StoreBatchRoute)) { Content = new StoreBatchContent(items) };
        using var response = await SendAsync(address, request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(address, response, cancellationToken).ConfigureAwait(false);
        var results = await response.Content.ReadFromJsonAsync<List<StoreBatchItemResult>>(cancellationToken).ConfigureAwait(false);
        return results is not null && results.Count == items.Count
            ? results
            : throw new DataNodeException(address, $"answered {results?.Count ?? 0} results for a batch of {items.Count}");
    }

    public async Task CommitTempAsync(string address, string tempId, StoredKey key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(address, DataNodeProtocol.CommitPath(tempId, key.FileName)));
        using var response = await SendAsync(address, request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(address, response, cancellationToken).ConfigureAwait(false);
    }

    public async Task TryDeleteTempAsync(string address, string tempId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var response = await http.DeleteAsync(Url(address, DataNodeProtocol.TempPath(tempId, shard: false)), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
        }
    }

    public async Task<IReadOnlyList<HeldKey>> ListHeldAsync(string address, string? after, int limit, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(address, DataNodeProtocol.ListPath(after, limit)));
        using var response = await SendAsync(address, request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(address, response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<List<HeldKey>>(cancellationToken).ConfigureAwait(false) ?? [];
    }

    public async Task<bool> DeleteAsync(string address, StoredKey key, DateTimeOffset? writtenBy, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, Url(address, DataNodeProtocol.DeletePath(key.FileName, writtenBy)));
        using var response = await SendAsync(address, request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if ((int)response.StatusCode is DataNodeProtocol.Status.NotHere or DataNodeProtocol.Status.WrittenSince)
        {
            return false;
        }

        await EnsureSuccessAsync(address, response, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<Stream?> OpenReadAsync(string address, StoredKey key, ByteRange? range, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(address, DataNodeProtocol.ObjectPath(key.FileName)));
        if (range is { } r)
        {
            request.Headers.Range = new RangeHeaderValue(r.First, r.Last);
        }

        HttpResponseMessage response;
        try
        {
            response = await SendAsync(address, request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (DataNodeException)
        {
            return null;
        }

        if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.PartialContent)
        {
            return new ResponseStream(response, await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        }

        response.Dispose();
        return null;
    }

    private static Uri Url(string address, string path) => new($"http://{address}/{path}");

    private async Task<HttpResponseMessage> SendAsync(string address, HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new DataNodeException(address, ex.Message, ex);
        }
    }

    private static async Task EnsureSuccessAsync(string address, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new DataNodeException(address, $"{(int)response.StatusCode} {body}");
        }
    }

    /// <summary>A request body fed from a pipe; tells its writer when the node has taken the request.</summary>
    private sealed class PipeContent(PipeReader reader, long? length, Action onStreaming) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            onStreaming();
            try
            {
                await reader.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
                await reader.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await reader.CompleteAsync(ex).ConfigureAwait(false);
                throw;
            }
        }

        protected override bool TryComputeLength(out long computed)
        {
            computed = length ?? -1;
            return length.HasValue;
        }
    }

    /// <summary>A batch in <see cref="DataNodeProtocol.StoreBatch"/>'s framing, written from the callers' buffers without copying them whole.</summary>
    private sealed class StoreBatchContent(IReadOnlyList<StoreBatchItem> items) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var header = new byte[DataNodeProtocol.StoreBatch.FixedHeaderSize + byte.MaxValue];
            DataNodeProtocol.StoreBatch.WriteCount(header, items.Count);
            await stream.WriteAsync(header.AsMemory(0, DataNodeProtocol.StoreBatch.CountSize), cancellationToken).ConfigureAwait(false);
            foreach (var item in items)
            {
                var key = item.Key.FileName;
                if (!DataNodeProtocol.TryParseBlockChecksum(item.BlockChecksum, out var checksum))
                {
                    throw new ArgumentException($"'{item.BlockChecksum}' is not a block checksum", nameof(items));
                }

                DataNodeProtocol.StoreBatch.WriteHeader(header, key, checksum, item.Content.Length);
                await stream.WriteAsync(header.AsMemory(0, DataNodeProtocol.StoreBatch.HeaderSize(key)), cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync(item.Content, cancellationToken).ConfigureAwait(false);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = DataNodeProtocol.StoreBatch.CountSize + items.Sum(item => (long)DataNodeProtocol.StoreBatch.HeaderSize(item.Key.FileName) + item.Content.Length);
            return true;
        }
    }

    /// <summary>A node's response body that releases the response with it.</summary>
    private sealed class ResponseStream(HttpResponseMessage response, Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken) => inner.CopyToAsync(destination, bufferSize, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            response.Dispose();
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
