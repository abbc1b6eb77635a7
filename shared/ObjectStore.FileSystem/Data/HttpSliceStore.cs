using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ObjectStore.FileSystem.Data;

/// <summary>
/// Slice blocks as objects of the Api: PUT with a <c>Digest: SHA-256=</c> header (the Api refuses bytes that arrive
/// changed), GET whole or with <c>Range:</c>, purged with <c>DELETE /versions/</c>. Each attempt is bounded by <see cref="FileDataOptions.RequestTimeout"/>;
/// transient failures (unreachable, 5xx, 408/429, timeouts) are retried with doubling back-off, then surface as EIO —
/// so a mount whose Api is gone answers EIO within seconds and works again once it is back. The timeout counts time
/// without progress (every 64 KiB sent or received resets it), so a slow but moving transfer on a busy machine is not
/// cut off. Memory per request is the block being sent or the caller's destination; nothing is buffered besides.
/// </summary>
public sealed partial class HttpSliceStore : ISliceStore
{
    private readonly HttpClient _http;
    private readonly FileDataOptions _options;
    private readonly ILogger<HttpSliceStore> _logger;
    private readonly TimeProvider _time;

    public HttpSliceStore(HttpClient http, IOptions<FileDataOptions> options, ILogger<HttpSliceStore> logger, TimeProvider? time = null)
    {
        _http = http;
        _options = options.Value;
        _options.Validate();
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>A client for the Api with pooled keep-alive connections; per-attempt timeouts are set per request, so the client's own is infinite.</summary>
    public static HttpClient CreateHttpClient(FileDataOptions options) =>
        new(new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(5) < options.RequestTimeout ? TimeSpan.FromSeconds(5) : options.RequestTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = Math.Max(options.UploadConcurrency, options.DownloadConcurrency) * 2,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            BaseAddress = new Uri(options.ApiEndpoint.TrimEnd('/') + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };

    public async Task PutBlockAsync(ulong sliceId, int block, IReadOnlyList<ReadOnlyMemory<byte>> segments, CancellationToken ct)
    {
        var digest = "SHA-256=" + Convert.ToBase64String(Sha256(segments));
        var name = Name(sliceId, block);
        await SendAsync($"PUT {name}", progress =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, Path(name)) { Content = new SegmentsContent(segments, progress) };
            request.Headers.TryAddWithoutValidation("Digest", digest);
            return request;
        }, static (_, _, _, _) => Task.FromResult(true), ct).ConfigureAwait(false);
    }

    public Task ReadBlockAsync(ulong sliceId, int block, Memory<byte> destination, CancellationToken ct) =>
        ReadAsync(sliceId, block, null, destination, ct);

    public Task ReadRangeAsync(ulong sliceId, int block, int offset, Memory<byte> destination, CancellationToken ct) =>
        ReadAsync(sliceId, block, offset, destination, ct);

    public async Task DeleteBlockAsync(ulong sliceId, int block, CancellationToken ct)
    {
        var name = Name(sliceId, block);
        // A purge (every version), not a delete marker: a marker would keep the block's bytes on the data nodes forever.
        await SendAsync($"DELETE {name}", _ => new HttpRequestMessage(HttpMethod.Delete, "versions/" + name),
            static (_, _, _, _) => Task.FromResult(true), ct, notFoundIsSuccess: true).ConfigureAwait(false);
    }

    private async Task ReadAsync(ulong sliceId, int block, int? offset, Memory<byte> destination, CancellationToken ct)
    {
        if (destination.IsEmpty)
        {
            return;
        }

        var name = Name(sliceId, block);
        var found = await SendAsync($"GET {name}", _ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, Path(name));
            if (offset is { } start)
            {
                request.Headers.Range = new RangeHeaderValue(start, start + destination.Length - 1);
            }

            return request;
        }, async (response, what, progress, token) =>
        {
            var expectedStatus = offset is null ? HttpStatusCode.OK : HttpStatusCode.PartialContent;
            if (response.StatusCode != expectedStatus)
            {
                throw DataErrors.StoreRejected(what, (int)response.StatusCode, "unexpected status for a block read");
            }

            if (response.Content.Headers.ContentLength is { } length && length != destination.Length)
            {
                throw DataErrors.ShortBlock(what, destination.Length, length);
            }

            await using var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            var read = 0;
            while (read < destination.Length)
            {
                var n = await body.ReadAsync(destination[read..], token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
                progress();
            }

            if (read != destination.Length)
            {
                // A cut-off transfer: worth another attempt.
                throw new IOException($"{what}: the body ended after {read} of {destination.Length} bytes");
            }

            return true;
        }, ct).ConfigureAwait(false);
        if (!found)
        {
            throw new SliceBlockMissingException(sliceId, block);
        }
    }

    /// <summary>
    /// One request with bounded attempts. Returns false for 404 (unless it counts as success), the handler's result for
    /// 2xx; throws EIO once attempts are used up or for a refusal that another attempt would not change.
    /// </summary>
    private async Task<bool> SendAsync(string what, Func<Action, HttpRequestMessage> build, Func<HttpResponseMessage, string, Action, CancellationToken, Task<bool>> handle,
        CancellationToken ct, bool notFoundIsSuccess = false)
    {
        Exception? last = null;
        for (var attempt = 0; ; attempt++)
        {
            if (attempt > 0)
            {
                var delay = _options.RetryDelay * Math.Pow(2, attempt - 1);
                LogRetrying(_logger, what, attempt, delay.TotalMilliseconds, last?.Message ?? string.Empty);
                await Task.Delay(delay, _time, ct).ConfigureAwait(false);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var limit = _options.RequestTimeout;
            timeout.CancelAfter(limit);
            void Progress()
            {
                try
                {
                    timeout.CancelAfter(limit);
                }
                catch (ObjectDisposedException)
                {
                    // The attempt is over.
                }
            }

            try
            {
                using var request = build(Progress);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return await handle(response, what, Progress, timeout.Token).ConfigureAwait(false);
                }

                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return notFoundIsSuccess;
                }

                var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                var rejected = DataErrors.StoreRejected(what, (int)response.StatusCode, body);
                if (!IsTransient(response.StatusCode))
                {
                    throw rejected;
                }

                last = rejected;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                // Unreachable, reset, cut off, or this attempt's timeout: transient.
                last = e;
            }

            if (attempt >= _options.Retries)
            {
                LogGaveUp(_logger, what, attempt + 1, last?.Message ?? string.Empty);
                throw DataErrors.StoreUnavailable(what, last);
            }
        }
    }

    // 400 is retried too: the Api answers it when the bytes it received do not match the Digest, i.e. changed in transit.
    private static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.BadRequest;

    private string Name(ulong sliceId, int block) => SliceObjects.BlockName(_options.Volume, sliceId, block);

    private static string Path(string name) => "objects/" + name;

    private static byte[] Sha256(IReadOnlyList<ReadOnlyMemory<byte>> segments)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var segment in segments)
        {
            hash.AppendData(segment.Span);
        }

        return hash.GetHashAndReset();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} failed ({Error}); attempt {Attempt} in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, string operation, int attempt, double delayMs, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Operation} failed after {Attempts} attempts: {Error}")]
    private static partial void LogGaveUp(ILogger logger, string operation, int attempts, string error);
}
