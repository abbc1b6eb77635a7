namespace ObjectStore.Storage.Volumes;

/// <summary>
/// One flush shared by concurrent callers: a caller whose write is done joins the next flush, and one flush covers
/// every write made before it started. Under load a node pays one fsync per batch of writers instead of one each.
/// </summary>
/// <param name="flush">The flush itself (an fsync of a directory, an fdatasync of a pack file); tests pass one they can hold.</param>
internal sealed class GroupedSync(Action flush)
{
    private readonly Lock _lock = new();
    private TaskCompletionSource? _pending;
    private bool _syncing;

    /// <summary>Completes once a flush that started after this call has finished.</summary>
    public Task SyncAsync()
    {
        lock (_lock)
        {
            _pending ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var batch = _pending.Task;
            if (!_syncing)
            {
                _syncing = true;
                _ = Task.Run(Run);
            }

            return batch;
        }
    }

    private void Run()
    {
        while (true)
        {
            TaskCompletionSource batch;
            lock (_lock)
            {
                if (_pending is null)
                {
                    _syncing = false;
                    return;
                }

                batch = _pending;
                _pending = null;
            }

            try
            {
                flush();
                batch.SetResult();
            }
            catch (Exception ex)
            {
                batch.SetException(ex);
            }
        }
    }
}
