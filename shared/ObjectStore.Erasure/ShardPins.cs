using System.Buffers;
using System.Runtime.CompilerServices;

namespace ObjectStore.Erasure;

/// <summary>
/// Room on the stack for one pin per shard, so pinning a stripe for the kernels allocates nothing.
/// </summary>
[InlineArray(ReedSolomonCodec.MaxDataShards + ReedSolomonCodec.MaxParityShards)]
internal struct ShardPins
{
    private MemoryHandle _element;

    /// <summary>Releases the first <paramref name="count"/> pins; unused (default) handles are no-ops.</summary>
    public void Release(int count)
    {
        for (int i = 0; i < count; i++)
        {
            this[i].Dispose();
        }
    }
}
