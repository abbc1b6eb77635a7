using System.Globalization;

namespace ObjectStore.Storage.Naming;

/// <summary>
/// What a data node stores a file under: a whole object by its hash (<c>hex</c>), or shard <c>i</c> of an
/// erasure-coded object (<c>hex.i</c>). Validated so a key can be a file name and never a path.
/// </summary>
public readonly record struct StoredKey(ContentHash Hash, int? Shard)
{
    public const int MaxShards = 255;

    public string FileName => Shard is { } shard ? $"{Hash.Hex}.{shard.ToString(CultureInfo.InvariantCulture)}" : Hash.Hex;

    public override string ToString() => FileName;

    public static implicit operator StoredKey(ContentHash hash) => new(hash, null);

    public static bool TryParse(string? text, out StoredKey key)
    {
        key = default;
        if (text is null)
        {
            return false;
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            if (!ContentHash.TryParse(text, out var whole))
            {
                return false;
            }

            key = whole;
            return true;
        }

        if (!ContentHash.TryParse(text[..dot], out var hash)
            || text.Length - dot - 1 is < 1 or > 3
            || !int.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || index >= MaxShards
            || text[(dot + 1)..] != index.ToString(CultureInfo.InvariantCulture))
        {
            return false;
        }

        key = new StoredKey(hash, index);
        return true;
    }
}
