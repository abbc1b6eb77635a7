namespace ObjectStore.Storage.Objects;

/// <summary>No such name, or its latest version is a delete marker, or no such version.</summary>
public sealed class ObjectNotFoundException(string message) : Exception(message);

/// <summary>The request is wrong and retrying it unchanged cannot help (400).</summary>
public sealed class InvalidObjectRequestException(string message) : Exception(message);

/// <summary>The store cannot serve the request now: no live data node, no intact copy reachable (503).</summary>
public sealed class StoreUnavailableException(string message) : Exception(message);
