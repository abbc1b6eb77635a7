using System.Numerics;

namespace ObjectStore.Erasure;

/// <summary>
/// Systematic Reed–Solomon erasure code over GF(2^8) (polynomial 0x11D) with ISA-L's Cauchy generator:
/// <see cref="DataShards"/> data shards are stored as they are, <see cref="ParityShards"/> parity shards
/// are added, and any <see cref="DataShards"/> of the <see cref="TotalShards"/> rebuild the rest.
/// </summary>
/// <remarks>
/// Shards are byte-compatible with ISA-L's <c>gf_gen_cauchy1_matrix</c> + <c>ec_encode_data</c>
/// whichever implementation is running. Instances are immutable apart from a small decode-plan cache and
/// safe to share between threads.
/// </remarks>
public sealed class ReedSolomonCodec
{
    public const int MaxDataShards = 32;
    public const int MaxParityShards = 16;

    // Bounds the cache for wide codes whose erasure patterns are countless; real failures repeat a few
    // patterns (the same node or disk down across many stripes), which fit easily.
    private const int MaxCachedDecodePlans = 64;

    private readonly CodingKernel _kernel;

    /// <summary>TotalShards × DataShards, identity on top; row i produces shard i from the data shards.</summary>
    private readonly byte[] _generator;

    private readonly CodingMatrix _encodeMatrix;
    private readonly Dictionary<ulong, DecodePlan> _decodePlans = [];
    private readonly Lock _decodePlansLock = new();

    /// <summary>
    /// Uses ISA-L when <c>libisal.so.2</c> loads, else AVX2, else scalar code — unless the
    /// <c>OBJECTSTORE_ERASURE_IMPL</c> environment variable names one (<c>isa-l</c>, <c>avx2</c>,
    /// <c>scalar</c>), in which case that one or a <see cref="PlatformNotSupportedException"/>.
    /// </summary>
    /// <param name="dataShards">1 to <see cref="MaxDataShards"/>.</param>
    /// <param name="parityShards">1 to <see cref="MaxParityShards"/>; the number of shards that may be lost.</param>
    public ReedSolomonCodec(int dataShards, int parityShards)
        : this(dataShards, parityShards,
               ErasureImplementations.Select(Environment.GetEnvironmentVariable(ErasureImplementations.EnvironmentVariable)))
    {
    }

    internal ReedSolomonCodec(int dataShards, int parityShards, ErasureImplementation implementation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dataShards, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dataShards, MaxDataShards);
        ArgumentOutOfRangeException.ThrowIfLessThan(parityShards, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(parityShards, MaxParityShards);

        // Cauchy row indices must be field elements; implied by the limits above, stated for when they grow.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dataShards + parityShards, 255, nameof(parityShards));

        DataShards = dataShards;
        ParityShards = parityShards;
        _kernel = ErasureImplementations.CreateKernel(implementation);
        _generator = GaloisMatrix.Cauchy(dataShards, TotalShards);
        _encodeMatrix = _kernel.Prepare(_generator[(dataShards * dataShards)..], parityShards, dataShards);
    }

    public int DataShards { get; }

    public int ParityShards { get; }

    public int TotalShards => DataShards + ParityShards;

    /// <summary><c>isa-l</c>, <c>avx2</c> or <c>scalar</c>: the engine chosen at construction.</summary>
    public string Implementation => ErasureImplementations.Name(_kernel.Implementation);

    internal int CachedDecodePlans
    {
        get
        {
            lock (_decodePlansLock)
            {
                return _decodePlans.Count;
            }
        }
    }

    /// <summary>Computes every parity shard from the data shards.</summary>
    /// <param name="data"><see cref="DataShards"/> buffers, all the same length.</param>
    /// <param name="parity"><see cref="ParityShards"/> buffers of that length, overwritten; they must not overlap any shard.</param>
    /// <exception cref="ArgumentException">Wrong number of buffers, unequal lengths, or overlapping output.</exception>
    public unsafe void Encode(ReadOnlyMemory<byte>[] data, Memory<byte>[] parity)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(parity);
        if (data.Length != DataShards)
        {
            throw Errors.ShardCount(nameof(data), DataShards, data.Length);
        }

        if (parity.Length != ParityShards)
        {
            throw Errors.ShardCount(nameof(parity), ParityShards, parity.Length);
        }

        int length = data[0].Length;
        for (int i = 1; i < data.Length; i++)
        {
            if (data[i].Length != length)
            {
                throw Errors.ShardLength(nameof(data), i, length, data[i].Length);
            }
        }

        for (int j = 0; j < parity.Length; j++)
        {
            if (parity[j].Length != length)
            {
                throw Errors.ShardLength(nameof(parity), DataShards + j, length, parity[j].Length);
            }

            Span<byte> output = parity[j].Span;
            for (int i = 0; i < data.Length; i++)
            {
                if (output.Overlaps(data[i].Span))
                {
                    throw Errors.ShardsOverlap(nameof(parity), DataShards + j, i);
                }
            }

            for (int other = 0; other < j; other++)
            {
                if (output.Overlaps(parity[other].Span))
                {
                    throw Errors.ShardsOverlap(nameof(parity), DataShards + j, DataShards + other);
                }
            }
        }

        if (length == 0)
        {
            return;
        }

        byte** inputs = stackalloc byte*[DataShards];
        byte** outputs = stackalloc byte*[ParityShards];
        ShardPins pins = default;
        try
        {
            for (int i = 0; i < DataShards; i++)
            {
                pins[i] = data[i].Pin();
                inputs[i] = (byte*)pins[i].Pointer;
            }

            for (int j = 0; j < ParityShards; j++)
            {
                pins[DataShards + j] = parity[j].Pin();
                outputs[j] = (byte*)pins[DataShards + j].Pointer;
            }

            _kernel.Multiply(_encodeMatrix, inputs, outputs, length);
        }
        finally
        {
            pins.Release(TotalShards);
        }
    }

    /// <summary>Recomputes, in place, every shard whose <paramref name="present"/> flag is false.</summary>
    /// <param name="shards"><see cref="TotalShards"/> buffers of one length, data shards first; missing ones are overwritten.</param>
    /// <param name="present">Which buffers hold intact shards.</param>
    /// <exception cref="InsufficientShardsException">Fewer than <see cref="DataShards"/> shards are present.</exception>
    /// <exception cref="ArgumentException">Wrong number of buffers or flags, unequal lengths, or a missing shard overlapping another.</exception>
    public unsafe void Reconstruct(Memory<byte>[] shards, bool[] present)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(present);
        if (shards.Length != TotalShards)
        {
            throw Errors.ShardCount(nameof(shards), TotalShards, shards.Length);
        }

        if (present.Length != TotalShards)
        {
            throw new ArgumentException($"Expected {TotalShards} presence flags but got {present.Length}.", nameof(present));
        }

        int length = shards[0].Length;
        ulong presentMask = 0;
        int presentCount = 0;
        for (int i = 0; i < shards.Length; i++)
        {
            if (shards[i].Length != length)
            {
                throw Errors.ShardLength(nameof(shards), i, length, shards[i].Length);
            }

            if (present[i])
            {
                presentMask |= 1UL << i;
                presentCount++;
            }
        }

        if (presentCount < DataShards)
        {
            throw new InsufficientShardsException(presentCount, DataShards, TotalShards);
        }

        if (presentCount == TotalShards)
        {
            return;
        }

        for (int i = 0; i < shards.Length; i++)
        {
            if (present[i])
            {
                continue;
            }

            Span<byte> output = shards[i].Span;
            for (int other = 0; other < shards.Length; other++)
            {
                if (other != i && output.Overlaps(shards[other].Span))
                {
                    throw Errors.ShardsOverlap(nameof(shards), i, other);
                }
            }
        }

        if (length == 0)
        {
            return;
        }

        DecodePlan plan = GetDecodePlan(presentMask);
        byte** inputs = stackalloc byte*[DataShards];
        byte** outputs = stackalloc byte*[plan.Missing.Length];
        ShardPins pins = default;
        int pinned = 0;
        try
        {
            foreach (int source in plan.Sources)
            {
                pins[pinned] = shards[source].Pin();
                inputs[pinned] = (byte*)pins[pinned].Pointer;
                pinned++;
            }

            for (int r = 0; r < plan.Missing.Length; r++)
            {
                pins[pinned] = shards[plan.Missing[r]].Pin();
                outputs[r] = (byte*)pins[pinned].Pointer;
                pinned++;
            }

            _kernel.Multiply(plan.Matrix, inputs, outputs, length);
        }
        finally
        {
            pins.Release(pinned);
        }
    }

    private DecodePlan GetDecodePlan(ulong presentMask)
    {
        lock (_decodePlansLock)
        {
            if (_decodePlans.TryGetValue(presentMask, out var cached))
            {
                return cached;
            }
        }

        // Built outside the lock: two threads may race to build the same plan, which is harmless and
        // cheaper than making every degraded read wait behind a matrix inversion.
        DecodePlan plan = BuildDecodePlan(presentMask);
        lock (_decodePlansLock)
        {
            if (_decodePlans.Count >= MaxCachedDecodePlans)
            {
                _decodePlans.Clear();
            }

            _decodePlans[presentMask] = plan;
        }

        return plan;
    }

    private DecodePlan BuildDecodePlan(ulong presentMask)
    {
        int k = DataShards;
        var sources = new int[k];
        var missing = new int[TotalShards - BitOperations.PopCount(presentMask)];
        for (int i = 0, s = 0, m = 0; i < TotalShards; i++)
        {
            if ((presentMask & (1UL << i)) == 0)
            {
                missing[m++] = i;
            }
            else if (s < k)
            {
                sources[s++] = i;
            }
        }

        // The sources are S·data for the generator rows S of the sources, so data = S⁻¹·sources and
        // any shard i (generator row g_i) is g_i·S⁻¹·sources; for a data shard g_i·S⁻¹ is just row i of S⁻¹.
        var selected = new byte[k * k];
        for (int r = 0; r < k; r++)
        {
            _generator.AsSpan(sources[r] * k, k).CopyTo(selected.AsSpan(r * k, k));
        }

        var inverse = new byte[k * k];
        if (!GaloisMatrix.TryInvert(selected, k, inverse))
        {
            throw Errors.SingularDecodeMatrix(string.Join(",", sources));
        }

        var coefficients = new byte[missing.Length * k];
        for (int r = 0; r < missing.Length; r++)
        {
            int shard = missing[r];
            byte[] row = shard < k
                ? inverse[(shard * k)..((shard + 1) * k)]
                : GaloisMatrix.Multiply(_generator.AsSpan(shard * k, k), 1, k, inverse, k);
            row.CopyTo(coefficients.AsSpan(r * k, k));
        }

        return new DecodePlan(sources, missing, _kernel.Prepare(coefficients, missing.Length, k));
    }
}
