using System.Globalization;

namespace ObjectStore.Storage.Objects;

/// <summary>An inclusive byte range resolved against an object length.</summary>
public readonly record struct ByteRange(long First, long Last)
{
    public long Length => Last - First + 1;

    public string ToContentRange(long totalLength) => $"bytes {First}-{Last}/{totalLength}";

    public string ToRangeHeader() => $"bytes={First}-{Last}";

    public enum ParseResult
    {
        /// <summary>No Range header or one we ignore (RFC 9110 allows serving the whole object).</summary>
        None,
        Satisfiable,
        Unsatisfiable,
    }

    /// <summary>
    /// Parses a single <c>bytes=a-b</c>, <c>bytes=a-</c> or <c>bytes=-n</c> range. Multiple ranges and other units
    /// are ignored (whole object), as RFC 9110 permits.
    /// </summary>
    public static ParseResult TryParse(string? header, long length, out ByteRange range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(header) || !header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            return ParseResult.None;
        }

        var spec = header.AsSpan(6).Trim();
        if (spec.Contains(','))
        {
            return ParseResult.None;
        }

        var dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return ParseResult.None;
        }

        var firstText = spec[..dash].Trim();
        var lastText = spec[(dash + 1)..].Trim();
        if (firstText.IsEmpty)
        {
            if (!long.TryParse(lastText, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix))
            {
                return ParseResult.None;
            }

            if (suffix == 0 || length == 0)
            {
                return ParseResult.Unsatisfiable;
            }

            range = new ByteRange(Math.Max(0, length - suffix), length - 1);
            return ParseResult.Satisfiable;
        }

        if (!long.TryParse(firstText, NumberStyles.None, CultureInfo.InvariantCulture, out var first))
        {
            return ParseResult.None;
        }

        var last = length - 1;
        if (!lastText.IsEmpty)
        {
            if (!long.TryParse(lastText, NumberStyles.None, CultureInfo.InvariantCulture, out last) || last < first)
            {
                return ParseResult.None;
            }
        }

        if (first >= length)
        {
            return ParseResult.Unsatisfiable;
        }

        range = new ByteRange(first, Math.Min(last, length - 1));
        return ParseResult.Satisfiable;
    }
}
