using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Volumes;

public sealed partial class LocalVolumeStore
{
    /// <summary>
    /// Stores the items of a batch (<see cref="DataNodeProtocol.StoreBatch"/>), each checked as <see cref="StoreAsync"/>
    /// checks a small body, read one at a time into one bounded buffer and written to its temp file unflushed. Then an
    /// fsync of each makes the temp files durable, the renames publish them, and one grouped directory fsync makes the
    /// renames durable: per item, a write, an fsync and a rename instead of a request and a directory fsync. An item whose
    /// bytes are not what its key or checksum says is answered 409 and the others are stored; a body that breaks the
    /// framing or ends early publishes nothing. Items small enough for packs (<see cref="DataNodeOptions.PackedMaxBytes"/>)
    /// are written into the active pack as they arrive and published after one shared flush instead.
    /// </summary>
    public async Task<IReadOnlyList<StoreBatchItemResult>> StoreBatchAsync(Stream body, CancellationToken cancellationToken)
    {
        var header = new byte[DataNodeProtocol.StoreBatch.FixedHeaderSize + byte.MaxValue];
        await ReadFramingAsync(body, header.AsMemory(0, DataNodeProtocol.StoreBatch.CountSize), "its item count", cancellationToken).ConfigureAwait(false);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(header);
        if (count is 0 or > DataNodeProtocol.StoreBatch.MaxItems)
        {
            throw new StoreBatchFormatException($"a batch carries 1 to {DataNodeProtocol.StoreBatch.MaxItems} items, this one says {count}");
        }

        var results = new StoreBatchItemResult[count];
        var written = new List<(SmallTemp Temp, string Target, StoredKey Key, long Length)>(count);
        var packed = new List<PendingRecord>(count);
        var buffer = ArrayPool<byte>.Shared.Rent(SmallFileBytes(DataNodeProtocol.StoreBatch.MaxItemBytes));
        try
        {
            for (var i = 0; i < count; i++)
            {
                var (key, checksum, length) = await ReadItemHeaderAsync(body, header, i, cancellationToken).ConfigureAwait(false);
                await ReadFramingAsync(body, buffer.AsMemory(0, length), $"item {i}'s {length} bytes", cancellationToken).ConfigureAwait(false);
                try
                {
                    var file = PrepareSmall(key, buffer, length, checksum);
                    results[i] = new StoreBatchItemResult(DataNodeProtocol.Status.Stored, file.Written.Hash.Hex, length, DataNodeProtocol.FormatBlockChecksum(file.Written.BlockChecksum), null);
                    if (file.Intact)
                    {
                        LogDeduplicated(key.FileName);
                        continue;
                    }

                    if (length <= _packedMaxBytes)
                    {
                        packed.Add(WritePacked(key, file));
                    }
                    else
                    {
                        written.Add((WriteSmallTemp(file), file.Target, key, length));
                    }
                }
                catch (Exception ex) when (ex is HashMismatchException or BlockChecksumMismatchException)
                {
                    results[i] = new StoreBatchItemResult(DataNodeProtocol.Status.HashMismatch, null, 0, null, ex.Message);
                }
            }

            if (await body.ReadAsync(header.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) != 0)
            {
                throw new StoreBatchFormatException($"the body goes on after its {count} items");
            }

            // Published by the flush the pack's writers share, while this batch's own files are flushed and renamed.
            var packing = packed.Count > 0 ? _packed.PublishAsync(packed.ToArray()) : Task.CompletedTask;
            packed.Clear();
            if (written.Count > 0)
            {
                // An fsync per file, after all are written, and not one syncfs: syncfs also waits for every other dirty
                // page of the filesystem (other nodes' and processes' writes), which took concurrent 1 MiB PUTs from
                // 76.5 to 10 per s (bench/run --quick, PUT 1MiB c=8, p50 98 ms against 891 ms).
                foreach (var (temp, _, _, _) in written)
                {
                    RandomAccess.FlushToDisk(temp.Handle);
                }

                foreach (var (temp, target, key, length) in written)
                {
                    temp.Handle.Dispose();
                    Publish(temp.Path, target);
                    LogCommitted(key.FileName, length);
                }

                written.Clear();
                await _objectsSync.SyncAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            await packing.ConfigureAwait(false);
            return results;
        }
        finally
        {
            // Temp files not renamed yet and records not published (the batch failed before): none of the batch is published.
            if (packed.Count > 0)
            {
                _packed.Abandon(packed);
            }

            foreach (var (temp, _, _, _) in written)
            {
                temp.Handle.Dispose();
                TryDelete(temp.Path);
            }

            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<(StoredKey Key, ulong BlockChecksum, int Length)> ReadItemHeaderAsync(Stream body, byte[] header, int item, CancellationToken cancellationToken)
    {
        await ReadFramingAsync(body, header.AsMemory(0, 1), $"item {item}'s key length", cancellationToken).ConfigureAwait(false);
        var keyLength = header[0];
        await ReadFramingAsync(body, header.AsMemory(1, keyLength + sizeof(ulong) + sizeof(uint)), $"item {item}'s header", cancellationToken).ConfigureAwait(false);
        var text = Encoding.ASCII.GetString(header, 1, keyLength);
        if (!StoredKey.TryParse(text, out var key))
        {
            throw new StoreBatchFormatException($"item {item}: '{text}' is not a stored key (a 64-hex-digit hash, or a hash, a dot and a shard number)");
        }

        var checksum = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(1 + keyLength));
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(1 + keyLength + sizeof(ulong)));
        return length <= DataNodeProtocol.StoreBatch.MaxItemBytes
            ? (key, checksum, (int)length)
            : throw new StoreBatchFormatException($"item {item} has {length} bytes; a batch takes items of at most {DataNodeProtocol.StoreBatch.MaxItemBytes}");
    }

    private static async Task ReadFramingAsync(Stream body, Memory<byte> destination, string what, CancellationToken cancellationToken)
    {
        var read = await body.ReadAtLeastAsync(destination, destination.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read < destination.Length)
        {
            throw new StoreBatchFormatException($"the batch ended inside {what}; nothing of it was stored");
        }
    }
}
