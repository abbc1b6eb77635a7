using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace ObjectStore.Functions.Keys;

/// <summary>
/// An app's host keys as the Functions host keeps them: blob <c>{hostId}/host.json</c> in container
/// <c>azure-webjobs-secrets</c> of <c>AzureWebJobsStorage</c>, with a master key and named function keys. Stored
/// unencrypted (<c>"encrypted": false</c>), as the host does when it has no encryption key.
/// </summary>
public sealed record HostSecrets(string MasterKey, IReadOnlyDictionary<string, string> FunctionKeys)
{
    public const string Container = "azure-webjobs-secrets";
    public const string MasterKeyName = "master";
    public const string DefaultKeyName = "default";

    public static string BlobName(string hostId) => $"{hostId}/host.json";

    /// <summary>40 random bytes, URL-safe base64: the size of the keys the Functions host generates.</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(40)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Null when the key is acceptable; otherwise why not.</summary>
    public static string? Validate(string key) =>
        key.Length is < 16 or > 128 ? "a key is 16 to 128 characters long"
        : key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '=') ? null
        : "a key holds only letters, digits, '-', '_', '.' and '='";

    public bool Accepts(string presented, bool masterOnly)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(presented);
        var match = Equal(bytes, MasterKey);
        if (!masterOnly)
        {
            foreach (var key in FunctionKeys.Values)
            {
                match |= Equal(bytes, key);
            }
        }

        return match;
    }

    private static bool Equal(byte[] presented, string key) =>
        CryptographicOperations.FixedTimeEquals(presented, System.Text.Encoding.UTF8.GetBytes(key));

    public static async Task<(HostSecrets? Secrets, ETag ETag)> ReadAsync(BlobContainerClient container, string hostId, CancellationToken cancellationToken)
    {
        try
        {
            var download = await container.GetBlobClient(BlobName(hostId)).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return (Parse(download.Value.Content.ToString()), download.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (null, default);
        }
    }

    /// <summary>Writes only if the blob is still as read (<paramref name="etag"/>), or absent when it is default; false if another writer won.</summary>
    public async Task<bool> TryWriteAsync(BlobContainerClient container, string hostId, ETag etag, CancellationToken cancellationToken)
    {
        var conditions = etag == default ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = etag };
        try
        {
            await container.GetBlobClient(BlobName(hostId)).UploadAsync(
                BinaryData.FromString(ToJson()),
                new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    private static HostSecrets Parse(string json)
    {
        var root = JsonNode.Parse(json) ?? throw new JsonException("empty secrets document");
        var master = root["masterKey"]?["value"]?.GetValue<string>() ?? throw new JsonException("no masterKey");
        var keys = (root["functionKeys"] as JsonArray ?? [])
            .Where(k => k?["name"] is not null && k["value"] is not null)
            .ToDictionary(k => k!["name"]!.GetValue<string>(), k => k!["value"]!.GetValue<string>(), StringComparer.Ordinal);
        return new HostSecrets(master, keys);
    }

    private string ToJson() => new JsonObject
    {
        ["masterKey"] = Key(MasterKeyName, MasterKey),
        ["functionKeys"] = new JsonArray(FunctionKeys.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => (JsonNode)Key(k.Key, k.Value)).ToArray()),
        ["systemKeys"] = new JsonArray(),
        ["hostName"] = null,
        ["instanceId"] = Guid.NewGuid().ToString("N"),
        ["source"] = "runtime",
        ["decryptionKeyId"] = string.Empty,
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private static JsonObject Key(string name, string value) => new()
    {
        ["name"] = name,
        ["value"] = value,
        ["encrypted"] = false,
    };
}
