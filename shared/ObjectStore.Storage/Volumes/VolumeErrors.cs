namespace ObjectStore.Storage.Volumes;

/// <summary>Stored bytes do not match their checksums; the object has been quarantined.</summary>
public sealed class CorruptObjectException(string hash, string detail) : Exception($"object {hash} failed verification: {detail}")
{
    public string Hash { get; } = hash;
}

/// <summary>The body ended before its declared length, or ran past it.</summary>
public sealed class BodyLengthException(long expected, long actual)
    : Exception($"body has {actual} bytes but Content-Length said {expected}");

/// <summary>A temp upload's bytes hash to something other than what the committer expected.</summary>
public sealed class HashMismatchException(string expected, string actual)
    : Exception($"content hash is {actual}, expected {expected}");

/// <summary>A body's block checksum is not the one its sender computed: it was damaged on the way, and nothing was published.</summary>
public sealed class BlockChecksumMismatchException(ulong expected, ulong actual)
    : Exception($"block checksum is {actual:x16}, the sender computed {expected:x16}; nothing was stored");

/// <summary>A batched store whose body does not follow <see cref="Cluster.DataNodeProtocol.StoreBatch"/>'s framing; nothing of it was published.</summary>
public sealed class StoreBatchFormatException(string message) : Exception(message);
