namespace ObjectStore.FileSystem.Meta.Kv;

/// <summary>The store could not be reached or did not answer (transient: the namespace retries within its bound).</summary>
public sealed class KvUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The store refused a request as invalid (too many operations, too large, unknown lease): not worth retrying.</summary>
public sealed class KvRequestException(string message, Exception? inner = null) : Exception(message, inner);
