using System.Diagnostics;

namespace ObjectStore.Erasure;

/// <summary>Single-threaded throughput of one codec, for the <c>bench</c> command.</summary>
public static class ErasureBenchmark
{
    /// <summary>
    /// Encodes, then reconstructs, one stripe of <paramref name="shardBytes"/>-byte shards as often as fits
    /// in <paramref name="duration"/> each (a call takes about twice <paramref name="duration"/>).
    /// </summary>
    /// <returns>
    /// Data bytes (DataShards × shardBytes per operation) per second, in GB/s (10^9 bytes). Decode loses
    /// <see cref="ReedSolomonCodec.ParityShards"/> shards, data shards first — the worst case a degraded
    /// read can meet, e.g. two of the four data shards for RS(4,2).
    /// </returns>
    public static (double EncodeGBps, double DecodeGBps) Measure(ReedSolomonCodec codec, int shardBytes, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shardBytes);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);

        var random = new Random(20240611);
        var shards = new Memory<byte>[codec.TotalShards];
        for (int i = 0; i < shards.Length; i++)
        {
            var buffer = new byte[shardBytes];
            random.NextBytes(buffer);
            shards[i] = buffer;
        }

        var data = new ReadOnlyMemory<byte>[codec.DataShards];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = shards[i];
        }

        Memory<byte>[] parity = shards[codec.DataShards..];
        long dataBytes = (long)codec.DataShards * shardBytes;
        double encode = Throughput(() => codec.Encode(data, parity), dataBytes, duration);

        var present = new bool[codec.TotalShards];
        Array.Fill(present, true);
        for (int lost = 0; lost < codec.ParityShards; lost++)
        {
            present[lost] = false;
        }

        double decode = Throughput(() => codec.Reconstruct(shards, present), dataBytes, duration);
        return (encode, decode);
    }

    private static double Throughput(Action operation, long bytesPerOperation, TimeSpan duration)
    {
        // Builds the decode plan and warms caches; neither belongs in the figure.
        operation();

        long operations = 0;
        long start = Stopwatch.GetTimestamp();
        TimeSpan elapsed;
        do
        {
            operation();
            operations++;
            elapsed = Stopwatch.GetElapsedTime(start);
        }
        while (elapsed < duration);

        return operations * (double)bytesPerOperation / elapsed.TotalSeconds / 1e9;
    }
}
