namespace ObjectStore.Storage.Objects;

/// <summary>Bytes of a version, opened (so that a failure can still become a status code) but not yet sent.</summary>
public interface IObjectSource : IAsyncDisposable
{
    /// <summary>Writes the requested bytes; throws if they cannot all be produced intact, after which the caller cuts the response.</summary>
    Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken);
}

/// <summary>A whole copy streamed from one data node.</summary>
internal sealed class ReplicaSource(Stream body) : IObjectSource
{
    public Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken) =>
        body.CopyToAsync(destination, bufferSize, cancellationToken);

    public ValueTask DisposeAsync() => body.DisposeAsync();
}

/// <summary>A small object served from the Api's memory (<see cref="ContentCache"/>), whole or a range of it.</summary>
internal sealed class MemorySource(ReadOnlyMemory<byte> content, ByteRange? range) : IObjectSource
{
    public Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken) =>
        destination.WriteAsync(range is { } r ? content.Slice((int)r.First, (int)r.Length) : content, cancellationToken).AsTask();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
