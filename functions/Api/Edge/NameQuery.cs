using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace ObjectStore.Api.Edge;

/// <summary>
/// <c>prefix</c> (default: every name), <c>after</c> (the previous page's <c>next</c>), <c>limit</c> (1–1000, default
/// 1000), <c>deleted=true</c> to include names whose latest version is a delete marker.
/// </summary>
public sealed record NameQuery(string Prefix, string? After, int Limit, bool IncludeDeleted)
{
    public const int MaxLimit = 1000;

    public static bool TryParse(IQueryCollection query, out NameQuery parsed, out string error)
    {
        parsed = null!;
        var prefix = query["prefix"].ToString();
        var after = query.TryGetValue("after", out var a) ? a.ToString() : null;
        if (Encoding.UTF8.GetByteCount(prefix) > 1024 || prefix.Contains('\0') || after is { Length: > 0 } && (Encoding.UTF8.GetByteCount(after) > 1024 || after.Contains('\0')))
        {
            error = "prefix and after are names or parts of names: at most 1024 UTF-8 bytes, no NUL";
            return false;
        }

        var limit = MaxLimit;
        if (query.TryGetValue("limit", out var l) && !(int.TryParse(l.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= MaxLimit))
        {
            error = $"limit must be an integer from 1 to {MaxLimit}";
            return false;
        }

        var deleted = query["deleted"].ToString();
        if (deleted is not ("" or "true" or "false"))
        {
            error = "deleted must be true or false";
            return false;
        }

        parsed = new NameQuery(prefix, string.IsNullOrEmpty(after) ? null : after, limit, deleted == "true");
        error = string.Empty;
        return true;
    }
}
