using System.IO.Pipelines;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// Streams several bodies (shards or copies) to several data nodes at once, each through a small bounded pipe, so
/// the Api holds a few hundred KiB per target whatever the object size. Each body is checked end to end: the node
/// answers with the XxHash3 of its 64 KiB block checksums, which must equal the one computed here while sending.
/// Nothing is visible until <see cref="CommitAsync"/>; <see cref="AbortAsync"/> removes every temp upload.
/// </summary>
internal sealed class ShardUploadSet
{
    private static readonly PipeOptions PipeOptions = new(pauseWriterThreshold: 512 * 1024, resumeWriterThreshold: 256 * 1024, useSynchronizationContext: false);

    private readonly IDataNodeClient _client;
    private readonly Target[] _targets;

    private ShardUploadSet(IDataNodeClient client, Target[] targets)
    {
        _client = client;
        _targets = targets;
    }

    /// <summary>Starts one upload per address; what each becomes is only named at <see cref="CommitAsync"/>, once the content hash is known.</summary>
    public static ShardUploadSet Start(IDataNodeClient client, IReadOnlyList<string> addresses, long? length, bool shards, CancellationToken cancellationToken)
    {
        var set = new ShardUploadSet(client, addresses.Select(a => new Target(a)).ToArray());
        foreach (var target in set._targets)
        {
            target.Upload = client.PutTempAsync(target.Address, target.TempId, target.Pipe.Reader, length, shards, () => target.Streaming.TrySetResult(), cancellationToken);
            // If the request fails before reading the pipe (connection refused), nobody would ever complete the reader
            // and the writer would wait forever once the pipe is full.
            _ = target.Upload.ContinueWith(
                t => target.Pipe.Reader.Complete(t.Exception?.InnerException),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return set;
    }

    /// <summary>
    /// Waits until every node has accepted its connection and is ready for bytes, so that a dead node is found
    /// before any of the client's body is consumed and the upload can still go elsewhere.
    /// </summary>
    public async Task WaitUntilStreamingAsync()
    {
        foreach (var target in _targets)
        {
            var first = await Task.WhenAny(target.Streaming.Task, target.Upload!).ConfigureAwait(false);
            if (first == target.Upload)
            {
                await target.Upload.ConfigureAwait(false);
                throw new DataNodeException(target.Address, "answered before taking the upload");
            }
        }
    }

    /// <summary>Appends to target <paramref name="index"/>; every write but the last of a target is whole 64 KiB blocks.</summary>
    public async ValueTask WriteAsync(int index, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var target = _targets[index];
        target.Sums.Append(data.Span);
        FlushResult flush;
        try
        {
            flush = await target.Pipe.Writer.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The upload's failure, handed over by the pipe.
            throw new DataNodeException(target.Address, ex.Message, ex);
        }

        if (flush.IsCompleted)
        {
            throw new DataNodeException(target.Address, "stopped taking the upload");
        }
    }

    /// <summary>Ends every body and waits for every node to confirm what it stored.</summary>
    public async Task CompleteAsync()
    {
        foreach (var target in _targets)
        {
            await target.Pipe.Writer.CompleteAsync().ConfigureAwait(false);
        }

        foreach (var target in _targets)
        {
            TempUploadResult result;
            try
            {
                result = await target.Upload!.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not DataNodeException and not OperationCanceledException)
            {
                throw new DataNodeException(target.Address, ex.Message, ex);
            }

            var expected = target.Sums.ToString();
            if (result.Size != target.Sums.Length || result.BlockChecksum != expected)
            {
                throw new DataNodeException(target.Address, $"stored {result.Size} bytes with block checksum {result.BlockChecksum}, sent {target.Sums.Length} with {expected}");
            }
        }
    }

    /// <summary>Publishes upload i under <paramref name="keys"/>[i] on its node.</summary>
    public Task CommitAsync(IReadOnlyList<StoredKey> keys, CancellationToken cancellationToken) =>
        Task.WhenAll(_targets.Select((t, i) => _client.CommitTempAsync(t.Address, t.TempId, keys[i], cancellationToken)));

    /// <summary>Stops every body and removes the temp uploads; safe to call whatever state the set is in.</summary>
    public async Task AbortAsync(Exception reason)
    {
        foreach (var target in _targets)
        {
            await target.Pipe.Writer.CompleteAsync(reason).ConfigureAwait(false);
        }

        foreach (var target in _targets)
        {
            try
            {
                await target.Upload!.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Expected: the upload was cut on purpose.
            }
        }

        await Task.WhenAll(_targets.Select(t => _client.TryDeleteTempAsync(t.Address, t.TempId))).ConfigureAwait(false);
    }

    private sealed class Target(string address)
    {
        public string Address { get; } = address;

        public string TempId { get; } = Guid.NewGuid().ToString("N");

        public Pipe Pipe { get; } = new(PipeOptions);

        public TaskCompletionSource Streaming { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public DataNodeProtocol.BlockChecksums Sums { get; } = new();

        public Task<TempUploadResult>? Upload { get; set; }
    }
}
