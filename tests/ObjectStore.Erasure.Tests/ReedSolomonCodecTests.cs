namespace ObjectStore.Erasure.Tests;

public sealed class ReedSolomonCodecTests
{
    private static readonly (int DataShards, int ParityShards)[] s_layouts = [(4, 2), (6, 3), (1, 1)];

    // 0 is an empty object's stripe; 31/32/33 straddle one AVX2 vector; 64 KiB + 7 leaves a ragged tail.
    private static readonly int[] s_lengths = [0, 1, 31, 32, 33, 64 * 1024 + 7];

    public static TheoryData<string, int, int, int> EveryImplementationLayoutAndLength()
    {
        var cases = new TheoryData<string, int, int, int>();
        foreach (string implementation in Implementations.AvailableNames)
        {
            foreach (var (k, m) in s_layouts)
            {
                foreach (int length in s_lengths)
                {
                    cases.Add(implementation, k, m, length);
                }
            }
        }

        return cases;
    }

    public static TheoryData<int, int, int> EveryLayoutAndLength()
    {
        var cases = new TheoryData<int, int, int>();
        foreach (var (k, m) in s_layouts)
        {
            foreach (int length in s_lengths)
            {
                cases.Add(k, m, length);
            }
        }

        return cases;
    }

    public static TheoryData<string> EveryImplementation() => new(Implementations.AvailableNames);

    [Fact]
    public void Scalar_and_the_automatic_choice_are_always_available()
    {
        Assert.Contains("scalar", Implementations.AvailableNames);
        Assert.Equal(Implementations.AvailableNames.First(), new ReedSolomonCodec(4, 2, ErasureImplementations.Available[0]).Implementation);
    }

    [Theory]
    [MemberData(nameof(EveryImplementationLayoutAndLength))]
    public void Parity_matches_the_reference_encoder(string implementation, int k, int m, int length)
    {
        var codec = Implementations.Create(implementation, k, m);
        var stripe = new Stripe(k, m, length, seed: HashCode.Combine(k, m, length));

        codec.Encode(stripe.DataMemory, stripe.ParityMemory);

        Assert.Equal(FieldOracle.Encode(stripe.Data, m), stripe.Parity);
    }

    [Theory]
    [MemberData(nameof(EveryImplementationLayoutAndLength))]
    public void Any_loss_of_up_to_parity_shards_reconstructs_byte_identical(string implementation, int k, int m, int length)
    {
        var codec = Implementations.Create(implementation, k, m);
        var stripe = new Stripe(k, m, length, seed: HashCode.Combine(m, k, length));
        codec.Encode(stripe.DataMemory, stripe.ParityMemory);

        int total = k + m;
        for (int lost = 1; lost < 1 << total; lost++)
        {
            if (int.PopCount(lost) > m)
            {
                continue;
            }

            byte[][] damaged = stripe.Copy();
            var present = new bool[total];
            for (int i = 0; i < total; i++)
            {
                present[i] = (lost & (1 << i)) == 0;
                if (!present[i])
                {
                    damaged[i].AsSpan().Fill(0xEE);
                }
            }

            codec.Reconstruct(Array.ConvertAll(damaged, shard => (Memory<byte>)shard), present);

            for (int i = 0; i < total; i++)
            {
                Assert.True(stripe.Shards[i].AsSpan().SequenceEqual(damaged[i]),
                    $"{implementation} RS({k},{m}) length {length}: shard {i} differs after losing mask {lost:b}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(EveryLayoutAndLength))]
    public void Every_implementation_writes_identical_parity(int k, int m, int length)
    {
        var stripe = new Stripe(k, m, length, seed: length);
        byte[][]? first = null;
        string? firstName = null;
        foreach (string implementation in Implementations.AvailableNames)
        {
            Array.ForEach(stripe.Parity, shard => shard.AsSpan().Clear());
            Implementations.Create(implementation, k, m).Encode(stripe.DataMemory, stripe.ParityMemory);
            if (first is null)
            {
                (first, firstName) = (stripe.Copy(), implementation);
                continue;
            }

            for (int i = k; i < k + m; i++)
            {
                Assert.True(first[i].AsSpan().SequenceEqual(stripe.Shards[i]), $"{implementation} and {firstName} disagree on shard {i}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(EveryImplementation))]
    public void Unit_data_vectors_encode_to_generator_columns(string implementation)
    {
        var codec = Implementations.Create(implementation, 4, 2);
        var data = new ReadOnlyMemory<byte>[] { new byte[] { 1 }, new byte[] { 0 }, new byte[] { 0 }, new byte[] { 0 } };
        var parity = new Memory<byte>[] { new byte[1], new byte[1] };

        codec.Encode(data, parity);

        Assert.Equal([0x47, 0xA7], new[] { parity[0].Span[0], parity[1].Span[0] }); // 1/(4^0), 1/(5^0)
    }

    [Theory]
    [MemberData(nameof(EveryImplementation))]
    public void Shards_sliced_at_odd_offsets_from_one_buffer_round_trip(string implementation)
    {
        const int k = 4, m = 2, length = 1000;
        var codec = Implementations.Create(implementation, k, m);
        var buffer = new byte[3 + (k + m) * length];
        new Random(7).NextBytes(buffer.AsSpan(0, 3 + k * length));
        var shards = new Memory<byte>[k + m];
        for (int i = 0; i < shards.Length; i++)
        {
            shards[i] = buffer.AsMemory(3 + i * length, length);
        }

        codec.Encode(Array.ConvertAll(shards[..k], s => (ReadOnlyMemory<byte>)s), shards[k..]);
        byte[] original = (byte[])buffer.Clone();
        shards[0].Span.Clear();
        shards[3].Span.Clear();

        codec.Reconstruct(shards, [false, true, true, false, true, true]);

        Assert.Equal(original, buffer);
    }

    [Theory]
    [MemberData(nameof(EveryImplementation))]
    public void Losing_more_than_parity_shards_throws(string implementation)
    {
        foreach (var (k, m) in s_layouts)
        {
            var codec = Implementations.Create(implementation, k, m);
            var stripe = new Stripe(k, m, 64, seed: 1);
            var present = new bool[k + m];
            Array.Fill(present, true, m + 1, k - 1);

            var error = Assert.Throws<InsufficientShardsException>(
                () => codec.Reconstruct(Array.ConvertAll(stripe.Shards, shard => (Memory<byte>)shard), present));

            Assert.Equal(k - 1, error.PresentShards);
            Assert.Equal(k, error.RequiredShards);
            Assert.Contains($"only {k - 1} of {k + m} shards", error.Message);
        }
    }

    [Fact]
    public void Mismatched_lengths_throw_ArgumentException()
    {
        var codec = new ReedSolomonCodec(4, 2, ErasureImplementation.Scalar);
        ReadOnlyMemory<byte>[] data = [new byte[8], new byte[8], new byte[7], new byte[8]];
        Memory<byte>[] parity = [new byte[8], new byte[8]];
        Assert.Throws<ArgumentException>("data", () => codec.Encode(data, parity));

        data[2] = new byte[8];
        parity[1] = new byte[9];
        Assert.Throws<ArgumentException>("parity", () => codec.Encode(data, parity));

        Memory<byte>[] shards = [new byte[8], new byte[8], new byte[8], new byte[8], new byte[8], new byte[3]];
        Assert.Throws<ArgumentException>("shards", () => codec.Reconstruct(shards, [false, true, true, true, true, true]));
    }

    [Fact]
    public void Wrong_shard_counts_throw_ArgumentException()
    {
        var codec = new ReedSolomonCodec(4, 2, ErasureImplementation.Scalar);
        Assert.Throws<ArgumentException>("data", () => codec.Encode([new byte[8]], [new byte[8], new byte[8]]));
        Assert.Throws<ArgumentException>("parity", () => codec.Encode([new byte[8], new byte[8], new byte[8], new byte[8]], [new byte[8]]));
        Assert.Throws<ArgumentException>("shards", () => codec.Reconstruct([new byte[8]], [true]));
        Assert.Throws<ArgumentException>("present", () => codec.Reconstruct(
            [new byte[8], new byte[8], new byte[8], new byte[8], new byte[8], new byte[8]], [true]));
    }

    [Fact]
    public void Parity_overlapping_data_throws_ArgumentException()
    {
        var codec = new ReedSolomonCodec(2, 1, ErasureImplementation.Scalar);
        var buffer = new byte[24];
        ReadOnlyMemory<byte>[] data = [buffer.AsMemory(0, 8), buffer.AsMemory(8, 8)];

        Assert.Throws<ArgumentException>("parity", () => codec.Encode(data, [buffer.AsMemory(4, 8)]));
        codec.Encode(data, [buffer.AsMemory(16, 8)]);
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(33, 2)]
    [InlineData(4, 0)]
    [InlineData(4, 17)]
    public void Out_of_range_layouts_are_rejected(int dataShards, int parityShards)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReedSolomonCodec(dataShards, parityShards, ErasureImplementation.Scalar));
    }

    // 16 outputs per pass exercise the kernels' multi-row grouping that the small layouts never reach.
    [Theory]
    [MemberData(nameof(EveryImplementation))]
    public void Largest_layout_round_trips(string implementation)
    {
        var codec = Implementations.Create(implementation, 32, 16);
        var stripe = new Stripe(32, 16, 100, seed: 32);
        codec.Encode(stripe.DataMemory, stripe.ParityMemory);
        Assert.Equal(FieldOracle.Encode(stripe.Data, 16), stripe.Parity);

        byte[][] damaged = stripe.Copy();
        var present = new bool[48];
        for (int i = 0; i < 48; i++)
        {
            present[i] = i % 3 != 0; // 16 lost, spread over data and parity
            if (!present[i])
            {
                Array.Clear(damaged[i]);
            }
        }

        codec.Reconstruct(Array.ConvertAll(damaged, shard => (Memory<byte>)shard), present);
        Assert.Equal(stripe.Shards, damaged);
    }

    [Fact]
    public void Repeated_erasure_patterns_reuse_one_decode_plan()
    {
        var codec = new ReedSolomonCodec(4, 2, ErasureImplementation.Scalar);
        var stripe = new Stripe(4, 2, 16, seed: 3);
        codec.Encode(stripe.DataMemory, stripe.ParityMemory);
        Memory<byte>[] shards = Array.ConvertAll(stripe.Copy(), shard => (Memory<byte>)shard);

        for (int i = 0; i < 5; i++)
        {
            codec.Reconstruct(shards, [true, false, true, true, false, true]);
        }

        Assert.Equal(1, codec.CachedDecodePlans);
        codec.Reconstruct(shards, [false, true, true, true, true, true]);
        Assert.Equal(2, codec.CachedDecodePlans);
    }

    [Fact]
    public void Nothing_missing_is_a_no_op()
    {
        var codec = new ReedSolomonCodec(4, 2, ErasureImplementation.Scalar);
        var stripe = new Stripe(4, 2, 16, seed: 4);
        codec.Reconstruct(Array.ConvertAll(stripe.Shards, shard => (Memory<byte>)shard), [true, true, true, true, true, true]);
        Assert.Equal(0, codec.CachedDecodePlans);
    }
}
