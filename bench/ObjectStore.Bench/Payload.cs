using System.Buffers.Binary;

namespace ObjectStore.Bench;

/// <summary>
/// The bytes every system receives. The body is deterministic (same seed, same bytes for every system and every run);
/// the first <see cref="StampBytes"/> bytes of each object carry (workload, op) so that no two objects of a run are
/// equal — ObjectStore is content-addressed and would otherwise deduplicate the second PUT instead of storing it —
/// while op i of a workload sends exactly the same bytes to every system.
/// Small sizes live in memory (one copy per worker, stamped in place); large ones are a file written once and
/// streamed from the page cache, so the client does not generate data while it measures.
/// </summary>
internal sealed class Payload
{
    public const int StampBytes = 16;

    /// <summary>Above this, bodies are streamed from the source file.</summary>
    public const long InMemoryLimit = 8 << 20;

    private readonly byte[]? _bytes;
    private readonly string? _file;

    private Payload(long size, string label, byte[]? bytes, string? file)
    {
        Size = size;
        Label = label;
        _bytes = bytes;
        _file = file;
    }

    public long Size { get; }

    /// <summary>4KiB, 1MiB, 256MiB.</summary>
    public string Label { get; }

    public bool IsInMemory => _bytes is not null;

    public static string SizeLabel(long size) => size switch
    {
        >= 1L << 30 when size % (1L << 30) == 0 => $"{size >> 30}GiB",
        >= 1L << 20 when size % (1L << 20) == 0 => $"{size >> 20}MiB",
        >= 1L << 10 when size % (1L << 10) == 0 => $"{size >> 10}KiB",
        _ => $"{size}B",
    };

    public static Payload Create(long size, string workDirectory)
    {
        var label = SizeLabel(size);
        if (size <= InMemoryLimit)
        {
            var bytes = new byte[size];
            Fill(bytes, 0);
            return new Payload(size, label, bytes, null);
        }

        Directory.CreateDirectory(workDirectory);
        var file = Path.Combine(workDirectory, $"source-{label}.bin");
        if (!File.Exists(file) || new FileInfo(file).Length != size)
        {
            var buffer = new byte[1 << 20];
            using var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
            for (long offset = 0; offset < size; offset += buffer.Length)
            {
                int n = (int)Math.Min(buffer.Length, size - offset);
                Fill(buffer.AsSpan(0, n), offset);
                stream.Write(buffer, 0, n);
            }
        }

        return new Payload(size, label, null, file);
    }

    /// <summary>A private copy of the in-memory body for one worker, stamped per op with <see cref="Stamp"/>.</summary>
    public byte[] NewWorkerBuffer() => (byte[])(_bytes ?? throw new InvalidOperationException("not an in-memory payload")).Clone();

    public static void Stamp(Span<byte> destination, long workload, long op)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, workload);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], op);
    }

    /// <summary>The large body as a seekable stream from the source file, with the stamp patched over its first bytes.</summary>
    public Stream OpenStamped(long workload, long op)
    {
        var stamp = new byte[StampBytes];
        Stamp(stamp, workload, op);
        var inner = new FileStream(_file ?? throw new InvalidOperationException("not a file payload"),
            FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return new StampedStream(inner, stamp);
    }

    /// <summary>Whether the first bytes of a downloaded object are the stamp they were uploaded with.</summary>
    public static bool HasStamp(ReadOnlySpan<byte> firstBytes, long workload, long op) =>
        firstBytes.Length >= StampBytes
        && BinaryPrimitives.ReadInt64LittleEndian(firstBytes) == workload
        && BinaryPrimitives.ReadInt64LittleEndian(firstBytes[8..]) == op;

    /// <summary>xorshift64* keyed by position: incompressible, reproducible, fast (~GB/s).</summary>
    private static void Fill(Span<byte> destination, long offset)
    {
        ulong state = 0x9E3779B97F4A7C15UL ^ (ulong)offset;
        int i = 0;
        for (; i + 8 <= destination.Length; i += 8)
        {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            BinaryPrimitives.WriteUInt64LittleEndian(destination[i..], state * 0x2545F4914F6CDD1DUL);
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = (byte)(i * 31);
        }
    }

    private sealed class StampedStream(FileStream inner, byte[] stamp) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            long at = inner.Position;
            int n = inner.Read(buffer);
            Patch(buffer[..n], at);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            long at = inner.Position;
            int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Patch(buffer.Span[..n], at);
            return n;
        }

        private void Patch(Span<byte> read, long at)
        {
            if (at < stamp.Length && read.Length > 0)
            {
                int n = (int)Math.Min(stamp.Length - at, read.Length);
                stamp.AsSpan((int)at, n).CopyTo(read);
            }
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
