namespace ObjectStore.Erasure.Tests;

/// <summary>A stripe of random data shards plus room for parity, and the shapes the codec takes it in.</summary>
internal sealed class Stripe
{
    public Stripe(int dataShards, int parityShards, int shardLength, int seed)
    {
        var random = new Random(seed);
        Shards = new byte[dataShards + parityShards][];
        for (int i = 0; i < Shards.Length; i++)
        {
            Shards[i] = new byte[shardLength];
            if (i < dataShards)
            {
                random.NextBytes(Shards[i]);
            }
        }

        DataShards = dataShards;
    }

    public byte[][] Shards { get; }

    public int DataShards { get; }

    public byte[][] Data => Shards[..DataShards];

    public byte[][] Parity => Shards[DataShards..];

    public ReadOnlyMemory<byte>[] DataMemory => Array.ConvertAll(Data, shard => (ReadOnlyMemory<byte>)shard);

    public Memory<byte>[] ParityMemory => Array.ConvertAll(Parity, shard => (Memory<byte>)shard);

    public byte[][] Copy() => Array.ConvertAll(Shards, shard => (byte[])shard.Clone());
}
