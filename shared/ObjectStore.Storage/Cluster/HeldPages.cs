using System.Runtime.CompilerServices;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.Storage.Cluster;

public static class HeldPages
{
    /// <summary>
    /// Everything <paramref name="address"/> holds, a page at a time in key order, each page continuing after the last
    /// key of the one before; an empty page is the end (a short one is not: a file deleted while listed shortens it).
    /// </summary>
    public static async IAsyncEnumerable<IReadOnlyList<HeldKey>> ListAllHeldAsync(this IDataNodeClient dataNodes, string address, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? after = null;
        while (true)
        {
            var page = await dataNodes.ListHeldAsync(address, after, pageSize, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                yield break;
            }

            yield return page;
            after = page[^1].Key;
        }
    }
}
