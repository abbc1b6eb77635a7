using System.Threading.Channels;

namespace ObjectStore.FileSystem.Meta.Kv;

/// <summary>
/// Point reads of concurrent callers sent together, one store round trip per group (the read side of
/// <see cref="GroupCommitter"/>): while one read is in flight the next gathers, up to the store's operations per
/// transaction. Each caller's keys are read at one revision, as alone; the read happens after the call began, so it is
/// as fresh as a read of its own (linearizable where the store's reads are).
/// </summary>
internal sealed class GroupReader : IAsyncDisposable
{
    private readonly ITransactionalKv _kv;
    private readonly bool _enabled;
    private readonly TimeSpan _callTimeout;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private long _groups;
    private long _groupedReads;
    private int _disposed;

    public GroupReader(ITransactionalKv kv, bool enabled, TimeSpan callTimeout)
    {
        _kv = kv;
        _enabled = enabled;
        _callTimeout = callTimeout;
        _loop = enabled ? Task.Run(RunAsync) : Task.CompletedTask;
    }

    /// <summary>Store round trips that carried the reads of two or more callers.</summary>
    public long Groups => Interlocked.Read(ref _groups);

    /// <summary>Callers' reads that went in such round trips.</summary>
    public long GroupedReads => Interlocked.Read(ref _groupedReads);

    public Task<IReadOnlyList<KvEntry?>> GetManyAsync(IReadOnlyList<byte[]> keys, CancellationToken ct)
    {
        if (!_enabled || keys.Count >= _kv.MaxOperationsPerTransaction || Volatile.Read(ref _disposed) != 0) return _kv.GetManyAsync(keys, ct);
        var pending = new Pending(keys, ct);
        return _queue.Writer.TryWrite(pending) ? pending.Done.Task.WaitAsync(ct) : _kv.GetManyAsync(keys, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        Pending? carried = null;
        while (carried is not null || await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var group = new List<Pending>();
            var keys = 0;
            if (carried is not null)
            {
                group.Add(carried);
                keys = carried.Keys.Count;
                carried = null;
            }
            while (_queue.Reader.TryRead(out var pending))
            {
                if (pending.CancellationToken.IsCancellationRequested)
                {
                    pending.Done.TrySetCanceled(pending.CancellationToken);
                    continue;
                }
                if (keys + pending.Keys.Count > _kv.MaxOperationsPerTransaction)
                {
                    carried = pending;
                    break;
                }
                group.Add(pending);
                keys += pending.Keys.Count;
            }
            if (group.Count > 0) await ReadAsync(group).ConfigureAwait(false);
        }
    }

    private async Task ReadAsync(List<Pending> group)
    {
        if (group.Count > 1)
        {
            Interlocked.Increment(ref _groups);
            Interlocked.Add(ref _groupedReads, group.Count);
        }
        try
        {
            using var bound = new CancellationTokenSource(_callTimeout);
            IReadOnlyList<KvEntry?> entries;
            try
            {
                entries = await _kv.GetManyAsync(group.SelectMany(p => p.Keys).ToArray(), bound.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (bound.IsCancellationRequested)
            {
                throw new KvUnavailableException($"the store did not answer a read within {_callTimeout.TotalSeconds:0.#} s", e);
            }
            var offset = 0;
            foreach (var pending in group)
            {
                pending.Done.TrySetResult(entries.Skip(offset).Take(pending.Keys.Count).ToArray());
                offset += pending.Keys.Count;
            }
        }
        catch (Exception e)
        {
            foreach (var pending in group) pending.Done.TrySetException(e);
        }
    }

    private sealed class Pending(IReadOnlyList<byte[]> keys, CancellationToken cancellationToken)
    {
        public IReadOnlyList<byte[]> Keys { get; } = keys;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<IReadOnlyList<KvEntry?>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
