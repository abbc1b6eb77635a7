using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// Chooses the layout of a new object and the distinct live data nodes that take its pieces.
/// <para>
/// Layout: small objects are <see cref="ObjectStoreOptions.ParityShards"/> + 1 whole copies; the rest are coded
/// RS(K, M) when K + M nodes are alive, and otherwise RS(K', M) over the live nodes, K' = live − M, down to RS(1, M).
/// Every one of them survives the loss of any M nodes, so a write never has less protection than configured, and
/// none of them waits for a dead node to come back: a narrower stripe costs disk ((K'+M)/K' instead of (K+M)/K), not
/// safety. With fewer than M + 1 live nodes nothing can be stored safely: 503.
/// </para>
/// <para>
/// Nodes: among the live ones, those with the fewest uploads in flight from this Api first, then the most free
/// space (in 1 GiB steps, so that equal disks share the load), then at random; nodes too full for the piece last.
/// Whole copies instead go to the nodes their content ranks first (<see cref="ChooseFor"/>).
/// </para>
/// </summary>
public sealed class NodePlacement(NodeRegistry registry, IOptions<ObjectStoreOptions> options)
{
    private const long FreeSpaceStep = 1L << 30;
    private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.Ordinal);

    private ObjectStoreOptions Options => options.Value;

    /// <summary>The layout for a new object of this length (unknown: coded) with the nodes alive now; 503 when none is safe.</summary>
    public ObjectLayout LayoutFor(long? contentLength)
    {
        var tolerance = Options.ParityShards;
        if (contentLength is { } length && length <= Options.ReplicateUpToBytes)
        {
            return RequireLiveNodes(ObjectLayout.Replicated(tolerance + 1));
        }

        var live = registry.LiveNodes().Count;
        var dataShards = Math.Min(Options.DataShards, live - tolerance);
        return dataShards >= 1
            ? ObjectLayout.ErasureCoded(dataShards, tolerance)
            : throw Unavailable(live, tolerance + 1);
    }

    /// <summary>The layout this store writes when every node it needs is alive.</summary>
    public ObjectLayout DefaultLayoutFor(long? contentLength) =>
        contentLength is { } length && length <= Options.ReplicateUpToBytes
            ? ObjectLayout.Replicated(Options.ParityShards + 1)
            : ObjectLayout.ErasureCoded(Options.DataShards, Options.ParityShards);

    /// <summary>
    /// Chooses <paramref name="count"/> distinct live nodes not in <paramref name="exclude"/>, each to take about
    /// <paramref name="bytesEach"/>; fewer when fewer are alive. Dispose the answer when the uploads are over.
    /// </summary>
    public Choice Choose(int count, long bytesEach, IReadOnlySet<string>? exclude = null) => Claim(
        Candidates(bytesEach, exclude)
            .OrderByDescending(n => n.Fits)
            .ThenBy(n => _inFlight.GetValueOrDefault(n.Node.Address))
            .ThenByDescending(n => n.Node.FreeBytes / FreeSpaceStep)
            .ThenBy(_ => Random.Shared.Next()),
        count);

    /// <summary>
    /// Like <see cref="Choose"/>, for whole copies of <paramref name="content"/>: the nodes are ranked by a weight of
    /// the content and the node (rendezvous hashing), not by load, so every Api sends the same bytes to the same nodes
    /// while the live nodes stay the same. Small PUTs store before they know whether their content is already stored;
    /// storing it again then rewrites the copies that exist (restoring one lost behind its node's back) instead of
    /// adding more. A node joining or leaving moves only the copies of content that ranks it among its first.
    /// </summary>
    public Choice ChooseFor(ContentHash content, int count, long bytesEach, IReadOnlySet<string>? exclude = null) =>
        Claim(RankedFor(content, bytesEach, exclude), count);

    /// <summary>The nodes <see cref="ChooseFor"/> would choose now, without counting an upload to them.</summary>
    public IReadOnlyList<string> RankFor(ContentHash content, int count, long bytesEach) =>
        RankedFor(content, bytesEach, exclude: null).Take(count).Select(n => n.Node.Address).ToList();

    private IEnumerable<(DataNodeInfo Node, bool Fits)> RankedFor(ContentHash content, long bytesEach, IReadOnlySet<string>? exclude)
    {
        var seed = ulong.Parse(content.Hex.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        return Candidates(bytesEach, exclude)
            .OrderByDescending(n => n.Fits)
            .ThenByDescending(n => Weight(seed, n.Node.Address));
    }

    private IEnumerable<(DataNodeInfo Node, bool Fits)> Candidates(long bytesEach, IReadOnlySet<string>? exclude) =>
        registry.LiveNodes()
            .Where(n => exclude is null || !exclude.Contains(n.Address))
            .Select(n => (n, n.FreeBytes > bytesEach));

    private Choice Claim(IEnumerable<(DataNodeInfo Node, bool Fits)> ranked, int count)
    {
        var chosen = ranked.Take(count).Select(n => n.Node.Address).ToList();
        foreach (var address in chosen)
        {
            _inFlight.AddOrUpdate(address, 1, (_, n) => n + 1);
        }

        return new Choice(this, chosen);
    }

    /// <summary>FNV-1a of the address, mixed with the content's leading bits by SplitMix64's finalizer: stable across processes.</summary>
    private static ulong Weight(ulong seed, string address)
    {
        var h = 14695981039346656037UL;
        foreach (var c in address)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        var z = seed ^ h;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return z ^ (z >> 31);
    }

    /// <summary>503 before any of the body is read when the layout cannot be honoured.</summary>
    public ObjectLayout RequireLiveNodes(ObjectLayout layout)
    {
        var live = registry.LiveNodes().Count;
        return live >= layout.NodesNeeded ? layout : throw Unavailable(live, layout.NodesNeeded);
    }

    /// <summary>A node refused a connection or failed an upload: not chosen again until its next heartbeat.</summary>
    public void Suspect(string address) => registry.Suspect(address);

    private StoreUnavailableException Unavailable(int live, int needed) => new(live == 0
        ? "no data node is alive; cannot store objects"
        : $"storing an object so that it survives the loss of {Options.ParityShards} data nodes needs {needed} live data nodes, {live} alive; cannot store objects");

    private void Release(IEnumerable<string> addresses)
    {
        foreach (var address in addresses)
        {
            _inFlight.AddOrUpdate(address, 0, (_, n) => Math.Max(0, n - 1));
        }
    }

    /// <summary>Nodes chosen for one upload; counted as busy until disposed.</summary>
    public sealed class Choice(NodePlacement placement, IReadOnlyList<string> addresses) : IDisposable
    {
        private int _disposed;

        public IReadOnlyList<string> Addresses { get; } = addresses;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                placement.Release(Addresses);
            }
        }
    }
}
