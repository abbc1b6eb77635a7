namespace ObjectStore.Erasure;

/// <summary>The interchangeable engines behind <see cref="ReedSolomonCodec"/>; all produce identical shards.</summary>
internal enum ErasureImplementation
{
    /// <summary>Intel ISA-L through P/Invoke to <c>libisal.so.2</c>.</summary>
    IsaL,

    /// <summary>Managed AVX2 split-nibble table lookups.</summary>
    Avx2,

    /// <summary>Managed byte-at-a-time table lookups; runs anywhere.</summary>
    Scalar,
}
