namespace ObjectStore.FileSystem.Data;

/// <summary>
/// The write-back memory shared by every open file of a mount. A writer reserves bytes before buffering them and
/// waits (first come, first served) while the budget is used up — back-pressure instead of growth; uploads give the
/// bytes back. When a writer has to wait, <see cref="Pressure"/> is raised so that buffered slices start uploading.
/// </summary>
internal sealed class WriteBudget(long capacity, TimeProvider time)
{
    private readonly object _sync = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private long _used;

    /// <summary>Raised (outside any lock) when a writer has to wait: buffered data should start uploading.</summary>
    public event Action? Pressure;

    public long Capacity => capacity;

    public long Used
    {
        get
        {
            lock (_sync)
            {
                return _used;
            }
        }
    }

    /// <summary>Whether a writer is waiting for bytes now.</summary>
    public bool HasWaiters
    {
        get
        {
            lock (_sync)
            {
                return _waiters.Count > 0;
            }
        }
    }

    /// <summary>Highest <see cref="Used"/> seen: lets tests check the bound held.</summary>
    public long Peak { get; private set; }

    public async ValueTask AcquireAsync(long bytes, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, capacity);
        Waiter waiter;
        lock (_sync)
        {
            if (_waiters.Count == 0 && _used + bytes <= capacity)
            {
                Take(bytes);
                return;
            }

            waiter = new Waiter(bytes);
            waiter.Node = _waiters.AddLast(waiter);
        }

        Pressure?.Invoke();
        try
        {
            await waiter.Granted.Task.WaitAsync(timeout, time, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            lock (_sync)
            {
                if (waiter.Granted.Task.IsCompletedSuccessfully)
                {
                    // Granted just as we gave up: hand it back.
                    ReleaseLocked(bytes);
                }
                else
                {
                    _waiters.Remove(waiter.Node!);
                    GrantLocked();
                }
            }

            if (e is TimeoutException)
            {
                throw DataErrors.BufferTimeout(timeout);
            }

            throw;
        }
    }

    public void Release(long bytes)
    {
        if (bytes == 0)
        {
            return;
        }

        bool stillWaiting;
        lock (_sync)
        {
            ReleaseLocked(bytes);
            stillWaiting = _waiters.Count > 0;
        }

        if (stillWaiting)
        {
            // What came back was not enough: more buffered data has to start uploading.
            Pressure?.Invoke();
        }
    }

    private void ReleaseLocked(long bytes)
    {
        _used -= bytes;
        if (_used < 0)
        {
            throw new InvalidOperationException("write budget released more than was taken");
        }

        GrantLocked();
    }

    private void GrantLocked()
    {
        while (_waiters.First is { } first && _used + first.Value.Bytes <= capacity)
        {
            _waiters.RemoveFirst();
            Take(first.Value.Bytes);
            first.Value.Granted.TrySetResult();
        }
    }

    private void Take(long bytes)
    {
        _used += bytes;
        if (_used > Peak)
        {
            Peak = _used;
        }
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }
    }
}
