using System.Diagnostics.CodeAnalysis;

namespace ObjectStore.Storage.Naming;

/// <summary>The SHA-256 of an object's bytes: its identity on data nodes (lower-case hex) and its ETag.</summary>
public readonly record struct ContentHash
{
    public const int Size = 32;
    private readonly string? _hex;

    private ContentHash(string hex) => _hex = hex;

    public string Hex => _hex ?? throw new InvalidOperationException("Default ContentHash has no value.");

    public override string ToString() => Hex;

    public string ToBase64() => Convert.ToBase64String(Convert.FromHexString(Hex));

    public static ContentHash FromBytes(ReadOnlySpan<byte> sha256) =>
        sha256.Length == Size ? new(Convert.ToHexStringLower(sha256)) : throw new ArgumentException("SHA-256 is 32 bytes.", nameof(sha256));

    /// <summary>Accepts exactly 64 hex digits, so a hash can be a file name and never a path.</summary>
    public static bool TryParse([NotNullWhen(true)] string? hex, out ContentHash hash)
    {
        hash = default;
        if (hex is null || hex.Length != Size * 2 || !hex.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        hash = new ContentHash(hex.ToLowerInvariant());
        return true;
    }

    /// <summary>
    /// Reads an RFC 3230 <c>Digest</c> header (<c>SHA-256=&lt;base64&gt;</c>, other algorithms ignored).
    /// Returns false with an error when the header is present but unusable.
    /// </summary>
    public static bool TryParseDigestHeader(string? header, out ContentHash? hash, out string error)
    {
        hash = null;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(header))
        {
            return true;
        }

        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !part[..eq].Trim().Equals("SHA-256", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var bytes = new byte[Size];
            if (!Convert.TryFromBase64String(part[(eq + 1)..].Trim(), bytes, out var written) || written != Size)
            {
                error = "Digest header: SHA-256 value is not 32 bytes of base64";
                return false;
            }

            hash = FromBytes(bytes);
            return true;
        }

        error = "Digest header has no SHA-256 value; only SHA-256 is supported";
        return false;
    }
}
