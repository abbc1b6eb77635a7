using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ObjectStore.Storage.Http;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.Storage.Cluster;

/// <summary>What a data node computed for an upload it received.</summary>
public sealed record TempUploadResult(string Hash, long Size, string BlockChecksum);

/// <summary>A data node could not be used for this request; the caller tries another or answers 502/503.</summary>
public sealed class DataNodeException(string address, string message, Exception? inner = null)
    : Exception($"data node {address}: {message}", inner)
{
    public string Address { get; } = address;
}

/// <summary>
/// The Api's HTTP client for data nodes: one pooled, keep-alive handler for the process, no proxy (data nodes are
/// on the private network, and a developer's http_proxy must not capture loopback), no overall timeout because
/// bodies stream for as long as they need; callers' cancellation tokens bound each call instead.
/// </summary>
public sealed class DataNodeClient(HttpClient http)
{
    public static SocketsHttpHandler CreateHandler() => new()
    {
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        MaxConnectionsPerServer = int.MaxValue,
    };

    /// <param name="shard">The body is a shard: the node skips the content SHA-256, which only a whole object's commit checks.</param>
    public async Task<TempUploadResult> PutTempAsync(string address, string tempId, HttpContent body, bool shard, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"http://{address}/temp/{tempId}{(shard ? "?shard=true" : string.Empty)}") { Content = body };
        using var response = await SendAsync(address, request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(address, response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<TempUploadResult>(cancellationToken).ConfigureAwait(false)
            ?? throw new DataNodeException(address, "empty upload answer");
    }

    public async Task CommitTempAsync(string address, string tempId, StoredKey key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{address}/temp/{tempId}/commit/{key.FileName}");
        using var response = await SendAsync(address, request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(address, response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Best effort: a temp upload left behind is removed by the node's CleanTemp timer anyway.</summary>
    public async Task TryDeleteTempAsync(string address, string tempId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var response = await http.DeleteAsync(new Uri($"http://{address}/temp/{tempId}"), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
        }
    }

    /// <summary>One page of the keys a node holds, in order after <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<HeldKey>> ListHeldAsync(string address, string? after, int limit, CancellationToken cancellationToken)
    {
        var query = $"limit={limit.ToString(System.Globalization.CultureInfo.InvariantCulture)}" + (after is null ? string.Empty : $"&after={Uri.EscapeDataString(after)}");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{address}/objects?{query}");
        using var response = await SendAsync(address, request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(address, response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<List<HeldKey>>(cancellationToken).ConfigureAwait(false) ?? [];
    }

    /// <summary>Deletes stored bytes on a node; false when it did not hold them.</summary>
    public async Task<bool> DeleteAsync(string address, StoredKey key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"http://{address}/objects/{key.FileName}");
        using var response = await SendAsync(address, request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(address, response, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Opens the stored bytes (or a range of them) on a node. Null when the node does not have a good copy; the
    /// response's headers are read, the body is left to stream. The caller disposes the response.
    /// </summary>
    public async Task<HttpResponseMessage?> OpenReadAsync(string address, StoredKey key, ByteRange? range, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{address}/objects/{key.FileName}");
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
            return response;
        }

        response.Dispose();
        return null;
    }

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
}
