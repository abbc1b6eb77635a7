using System.Text;

namespace ObjectStore.Storage.Naming;

/// <summary>
/// A client's object name: any UTF-8 string of 1..1024 bytes without NUL, '/' allowed. Names are only ever
/// keys in the metadata store (hashed there), never file-system paths, so no name can reach outside a data directory.
/// </summary>
public sealed record ObjectName
{
    public const int MaxBytes = 1024;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private ObjectName(string value) => Value = value;

    public string Value { get; }

    public override string ToString() => Value;

    public static bool TryCreate(string value, out ObjectName? name, out string error)
    {
        name = null;
        if (value.Length == 0)
        {
            error = "object name is empty";
            return false;
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            error = "object name contains NUL";
            return false;
        }

        int byteCount;
        try
        {
            byteCount = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            error = "object name is not valid UTF-8";
            return false;
        }

        if (byteCount > MaxBytes)
        {
            error = $"object name is {byteCount} bytes; the limit is {MaxBytes}";
            return false;
        }

        name = new ObjectName(value);
        error = string.Empty;
        return true;
    }

    /// <summary>
    /// Takes the name from the undecoded request target after <paramref name="routeLiteral"/> (for example
    /// <c>/objects/</c>). The raw target is used because ASP.NET Core leaves <c>%2F</c> encoded in the path while
    /// decoding <c>%25</c>, which makes the decoded path ambiguous; decoding once here is exact.
    /// </summary>
    public static bool TryParseRawTarget(string rawTarget, string routeLiteral, out ObjectName? name, out string error)
    {
        name = null;
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? rawTarget : rawTarget[..query];
        if (!path.StartsWith(routeLiteral, StringComparison.OrdinalIgnoreCase))
        {
            error = "object name is missing";
            return false;
        }

        if (!TryPercentDecode(path.AsSpan(routeLiteral.Length), out var decoded, out error))
        {
            return false;
        }

        return TryCreate(decoded, out name, out error);
    }

    private static bool TryPercentDecode(ReadOnlySpan<char> encoded, out string decoded, out string error)
    {
        decoded = string.Empty;
        if (encoded.Length > MaxBytes * 3)
        {
            error = $"object name is longer than {MaxBytes} bytes";
            return false;
        }

        var bytes = new byte[Encoding.UTF8.GetMaxByteCount(encoded.Length)];
        var count = 0;
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == '%')
            {
                if (i + 2 >= encoded.Length || !IsHex(encoded[i + 1]) || !IsHex(encoded[i + 2]))
                {
                    error = "object name has a malformed percent-escape";
                    return false;
                }

                bytes[count++] = (byte)((HexValue(encoded[i + 1]) << 4) | HexValue(encoded[i + 2]));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes[count++] = (byte)c;
            }
            else
            {
                // A character outside the basic plane is two UTF-16 units: encode them together.
                var units = char.IsHighSurrogate(c) && i + 1 < encoded.Length && char.IsLowSurrogate(encoded[i + 1]) ? 2 : 1;
                count += Encoding.UTF8.GetBytes(encoded.Slice(i, units), bytes.AsSpan(count));
                i += units - 1;
            }
        }

        try
        {
            decoded = StrictUtf8.GetString(bytes, 0, count);
        }
        catch (DecoderFallbackException)
        {
            error = "object name is not valid UTF-8";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
