using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Data;

/// <summary>
/// Deletes the objects of slices that the namespace has queued as unreferenced (truncated, overwritten, unlinked,
/// compacted away), then tells it to forget them. Only slices whose every block is gone are forgotten, so a failed
/// delete is simply tried again next time; one run at a time, bounded batches per run.
/// </summary>
internal sealed partial class SliceCollector(FileData data, ILogger logger)
{
    private readonly SemaphoreSlim _running = new(1, 1);

    public async Task<int> CollectAsync(CancellationToken ct)
    {
        if (!await _running.WaitAsync(0, ct).ConfigureAwait(false))
        {
            return 0;
        }

        try
        {
            var total = 0;
            for (var batch = 0; batch < data.Options.CollectMaxBatches; batch++)
            {
                var slices = await data.Meta.ListDeletedSlicesAsync(data.Options.CollectBatchSize, ct).ConfigureAwait(false);
                if (slices.Count == 0)
                {
                    break;
                }

                var deleted = new ConcurrentBag<Slice>();
                var options = new ParallelOptions { MaxDegreeOfParallelism = data.Options.UploadConcurrency, CancellationToken = ct };
                await Parallel.ForEachAsync(slices, options, async (slice, token) =>
                {
                    if (slice.Id == 0 || await data.DeleteBlocksAsync(slice.Id, Enumerable.Range(0, SliceObjects.BlockCount(slice.Size)), token).ConfigureAwait(false))
                    {
                        deleted.Add(slice);
                    }
                }).ConfigureAwait(false);

                if (!deleted.IsEmpty)
                {
                    await data.Meta.ForgetDeletedSlicesAsync([.. deleted], ct).ConfigureAwait(false);
                    total += deleted.Count;
                }

                LogCollected(logger, deleted.Count, slices.Count);
                if (deleted.Count < slices.Count)
                {
                    // The store is in trouble: the rest waits for the next run.
                    break;
                }
            }

            return total;
        }
        finally
        {
            _running.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Collected {Deleted} of {Listed} deleted slices")]
    private static partial void LogCollected(ILogger logger, int deleted, int listed);
}
