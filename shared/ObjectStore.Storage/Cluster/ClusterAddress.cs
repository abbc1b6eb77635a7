namespace ObjectStore.Storage.Cluster;

/// <summary>Node addresses travel on the bus and become URLs; accept only plain <c>host:port</c>.</summary>
public static class ClusterAddress
{
    public static bool IsValid(string? address)
    {
        if (string.IsNullOrEmpty(address) || address.Length > 255)
        {
            return false;
        }

        var colon = address.LastIndexOf(':');
        return colon > 0
            && ushort.TryParse(address.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port > 0
            && address[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-');
    }
}
