using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ObjectStore.Bench;

/// <summary>
/// The etcd cluster that bench/run started, as a reference: its JSON gateway (<c>/v3/...</c>, keys and values base64).
/// wrk loads the leader, so the reference is etcd's best case (a put to a follower is forwarded to the leader).
/// </summary>
internal sealed class EtcdReference
{
    private readonly HttpClient _http;

    private EtcdReference(HttpClient http, Uri endpoint, string description)
    {
        _http = http;
        Endpoint = endpoint;
        Description = description;
    }

    public Uri Endpoint { get; }

    /// <summary>Which member was loaded, e.g. <c>leader http://127.0.0.1:2379 of 3</c>.</summary>
    public string Description { get; }

    /// <summary>The leader among <paramref name="endpoints"/> (asked through <c>/v3/maintenance/status</c>); the first one if none answers as leader.</summary>
    public static async Task<EtcdReference> FindLeaderAsync(HttpClient http, IReadOnlyList<Uri> endpoints, CancellationToken cancellationToken)
    {
        string? lastError = null;
        foreach (var endpoint in endpoints)
        {
            try
            {
                using var status = await PostAsync(http, endpoint, "/v3/maintenance/status", "{}", cancellationToken).ConfigureAwait(false);
                var root = status.RootElement;
                var member = root.GetProperty("header").GetProperty("member_id").ToString();
                if (root.TryGetProperty("leader", out var leader) && leader.ToString() == member)
                {
                    return new EtcdReference(http, endpoint, $"leader {endpoint} of {endpoints.Count} member(s)");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                lastError = ex.Message;
            }
        }

        return new EtcdReference(http, endpoints[0], $"{endpoints[0]} of {endpoints.Count} member(s) (no leader found{(lastError is null ? "" : ": " + lastError)})");
    }

    /// <summary>How many keys start with the (base64) prefix.</summary>
    public async Task<long> CountAsync(string prefixBase64, CancellationToken cancellationToken)
    {
        using var reply = await PostAsync(_http, Endpoint, "/v3/kv/range", Range(prefixBase64, countOnly: true), cancellationToken).ConfigureAwait(false);
        return reply.RootElement.TryGetProperty("count", out var count)
            ? long.Parse(count.ToString(), System.Globalization.CultureInfo.InvariantCulture)
            : 0; // proto3 JSON leaves out zero values
    }

    /// <summary>Deletes every key under the (base64) prefix: the bench leaves nothing behind in a shared cluster.</summary>
    public async Task DeleteAsync(string prefixBase64, CancellationToken cancellationToken)
    {
        using var _ = await PostAsync(_http, Endpoint, "/v3/kv/deleterange", Range(prefixBase64, countOnly: false), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A range request for every key that starts with the prefix: range_end is the prefix with its last byte + 1.</summary>
    private static string Range(string prefixBase64, bool countOnly)
    {
        var end = Convert.FromBase64String(prefixBase64);
        int i = end.Length - 1;
        while (i >= 0 && end[i] == 0xFF)
        {
            i--;
        }

        if (i < 0)
        {
            throw new ArgumentException("a prefix of only 0xFF bytes has no range end", nameof(prefixBase64));
        }

        end[i]++;
        var rangeEnd = Convert.ToBase64String(end.AsSpan(0, i + 1));
        return $"{{\"key\":\"{prefixBase64}\",\"range_end\":\"{rangeEnd}\"{(countOnly ? ",\"count_only\":true" : "")}}}";
    }

    private static async Task<JsonDocument> PostAsync(HttpClient http, Uri endpoint, string path, string json, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(new Uri(endpoint, path), content, timeout.Token).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"etcd {path}: HTTP {(int)response.StatusCode} {text}");
        }

        return JsonDocument.Parse(text);
    }
}
