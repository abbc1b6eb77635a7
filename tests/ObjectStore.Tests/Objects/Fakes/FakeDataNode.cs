using System.Collections.Concurrent;

namespace ObjectStore.Tests.Objects.Fakes;

/// <summary>One data node of <see cref="FakeDataNodes"/>: what it holds, and how it misbehaves.</summary>
internal sealed class FakeDataNode(string address)
{
    public string Address { get; } = address;

    /// <summary>Refuses connections, as a node that died but has not expired yet.</summary>
    public bool Refuses { get; set; }

    /// <summary>Takes an upload, then its connection drops after this many body bytes (the process died mid-stream).</summary>
    public long? DiesAfterBytes { get; set; }

    /// <summary>Stores a different byte than it was sent (a bad disk or memory): its block checksum answer gives it away.</summary>
    public bool CorruptsUploads { get; set; }

    /// <summary>Reads of its stored bytes stop with an I/O error after this many bytes (a bad block found midway).</summary>
    public long? CutsReadsAfterBytes { get; set; }

    /// <summary>Finds every stored file bad when asked to read it: quarantines it (locate stops reporting it) and serves nothing.</summary>
    public bool QuarantinesOnRead { get; set; }

    /// <summary>Serves its stored bytes with one byte flipped (rot it has not found yet).</summary>
    public bool ServesWrongBytes { get; set; }

    /// <summary>What its heartbeats say: its process's start, and the files it has moved aside since.</summary>
    public string Instance { get; set; } = "first";

    public long Quarantined { get; set; }

    /// <summary>Answers nothing at all: no locate reply, no reads, no uploads.</summary>
    public bool Dead { get; set; }

    public ConcurrentDictionary<string, byte[]> Temp { get; } = new(StringComparer.Ordinal);

    /// <summary>When each stored file was last written (stored, or stored again), as a listing reports it.</summary>
    public ConcurrentDictionary<string, DateTimeOffset> Written { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, byte[]> Objects { get; } = new(StringComparer.Ordinal);

    public int UploadsStarted;

    /// <summary>Copies and shards stored by one request each (no temp upload, no commit).</summary>
    public int OneRequestStores;

    /// <summary>Batched store requests (<see cref="FakeDataNodes.StoreBatchAsync"/>).</summary>
    public int Batches;

    public int Reads;
}
