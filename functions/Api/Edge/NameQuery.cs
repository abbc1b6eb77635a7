using System.Globalization;
using Microsoft.AspNetCore.Http;
using ObjectStore.Storage.Naming;

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
        // Both are (parts of) names: the rules of a name apply, an empty one meaning "from the start".
        foreach (var (field, value) in new[] { ("prefix", prefix), ("after", after) })
        {
            if (!string.IsNullOrEmpty(value) && !ObjectName.TryCreate(value, out _, out var invalid))
            {
                error = $"{field}: {invalid}";
                return false;
            }
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
