using System.Collections.Concurrent;
using ObjectStore.Erasure;

namespace ObjectStore.Storage.Objects;

/// <summary>One codec per layout for the process: codecs cache their decode matrices and are safe to share.</summary>
public sealed class ErasureCodecs
{
    private readonly ConcurrentDictionary<(int, int), ReedSolomonCodec> _codecs = new();

    public ReedSolomonCodec For(ObjectLayout layout) =>
        _codecs.GetOrAdd((layout.DataShards, layout.ParityShards), key => new ReedSolomonCodec(key.Item1, key.Item2));
}
