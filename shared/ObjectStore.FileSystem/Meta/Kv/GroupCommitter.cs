using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ObjectStore.FileSystem.Meta.Kv;

/// <summary>
/// Commits concurrent transactions together, one store transaction per group (as JuiceFS batches and as
/// EtcdVersionCommitter groups version commits): while one group is in flight the next gathers, so at c=1 a commit
/// costs one round trip as before and at c=16 sixteen commits share one. Each caller gets the answer its transaction
/// would have had alone:
/// <list type="bullet">
/// <item>A group is the union of its members' compares (identical ones once) and writes. Members are independent: a
/// member joins only if no key it writes is written or compared by another, no key it compares is written by another,
/// and a key both compare is compared alike; else it waits for the next group. So the members' compares hold together
/// iff each holds alone, and any order of their writes gives the same state.</item>
/// <item>Bounded by the store's operations per transaction (compares and writes each), <see cref="MaxBytesPerGroup"/>
/// (etcd refuses requests over 1.5 MiB) and a number of members.</item>
/// <item>A group whose compares fail is not retried as a group: each member is committed alone, with its own witness,
/// and answered with that outcome (a member that lost a race retries from its reads, as it would have alone; one whose
/// group had landed after all — the client retried the call — sees its witness and counts as done).</item>
/// <item>A group that fails to reach the store fails every member with that error (each retries as it would alone).</item>
/// </list>
/// </summary>
internal sealed partial class GroupCommitter : IAsyncDisposable
{
    /// <summary>Bytes of keys and values one group carries at most: well under etcd's --max-request-bytes (1.5 MiB).</summary>
    public const int MaxBytesPerGroup = 1 << 20;

    private readonly ITransactionalKv _kv;
    private readonly int _maxMembers;
    private readonly TimeSpan _callTimeout;
    private readonly ILogger _logger;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private long _groups;
    private long _groupedCommits;
    private long _fellBack;
    private int _disposed;

    /// <param name="kv">The store.</param>
    /// <param name="maxMembers">Transactions per group at most; 1 commits each alone (no grouping).</param>
    /// <param name="callTimeout">Bound on one group's call to the store (its members wait no longer than their own bounds anyway).</param>
    /// <param name="logger">For group fallbacks.</param>
    public GroupCommitter(ITransactionalKv kv, int maxMembers, TimeSpan callTimeout, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMembers);
        _kv = kv;
        _maxMembers = maxMembers;
        _callTimeout = callTimeout;
        _logger = logger;
        _loop = maxMembers > 1 ? Task.Run(RunAsync) : Task.CompletedTask;
    }

    /// <summary>Store transactions sent for groups of two or more members.</summary>
    public long Groups => Interlocked.Read(ref _groups);

    /// <summary>Member transactions that went to the store inside such groups.</summary>
    public long GroupedCommits => Interlocked.Read(ref _groupedCommits);

    /// <summary>Groups whose compares failed, so that each member was committed alone.</summary>
    public long FellBack => Interlocked.Read(ref _fellBack);

    /// <summary>Commits <paramref name="transaction"/>, in a group when others are waiting; answers as if it had been committed alone.</summary>
    public Task<KvCommitResult> CommitAsync(KvTransaction transaction, CancellationToken ct)
    {
        if (_maxMembers <= 1 || Volatile.Read(ref _disposed) != 0) return _kv.CommitAsync(transaction, ct);
        var pending = new Pending(transaction, ct);
        return _queue.Writer.TryWrite(pending) ? pending.Done.Task.WaitAsync(ct) : _kv.CommitAsync(transaction, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false); // drains what was queued
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var waiting = new List<Pending>();
        while (waiting.Count > 0 || await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var group = new Group(_maxMembers, _kv.MaxOperationsPerTransaction);
            var later = new List<Pending>();
            foreach (var pending in waiting.Concat(Drain()))
            {
                if (pending.CancellationToken.IsCancellationRequested) pending.Done.TrySetCanceled(pending.CancellationToken);
                else if (!group.TryAdd(pending)) later.Add(pending);
            }
            waiting = later;
            if (group.Members.Count > 0) await CommitGroupAsync(group).ConfigureAwait(false);
        }
    }

    private IEnumerable<Pending> Drain()
    {
        while (_queue.Reader.TryRead(out var pending)) yield return pending;
    }

    private async Task CommitGroupAsync(Group group)
    {
        if (group.Members.Count == 1)
        {
            await CommitAloneAsync(group.Members[0]).ConfigureAwait(false);
            return;
        }
        Interlocked.Increment(ref _groups);
        Interlocked.Add(ref _groupedCommits, group.Members.Count);
        KvCommitResult result;
        try
        {
            result = await CallAsync(group.Build()).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            foreach (var member in group.Members) member.Done.TrySetException(e);
            return;
        }
        if (result.Succeeded)
        {
            foreach (var member in group.Members) member.Done.TrySetResult(new KvCommitResult(true, result.Revision, null));
            return;
        }
        Interlocked.Increment(ref _fellBack);
        LogGroupFellBack(group.Members.Count);
        await Task.WhenAll(group.Members.Select(CommitAloneAsync)).ConfigureAwait(false);
    }

    private async Task CommitAloneAsync(Pending member)
    {
        try
        {
            member.Done.TrySetResult(await CallAsync(member.Transaction).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            member.Done.TrySetException(e);
        }
    }

    /// <summary>One call to the store, bounded: a store that does not answer must not hold every later commit up.</summary>
    private async Task<KvCommitResult> CallAsync(KvTransaction transaction)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        bound.CancelAfter(_callTimeout);
        try
        {
            return await _kv.CommitAsync(transaction, bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (bound.IsCancellationRequested)
        {
            throw new KvUnavailableException($"the store did not answer a commit within {_callTimeout.TotalSeconds:0.#} s", e);
        }
    }

    /// <summary>Members gathered for one store transaction, and the keys they compare and write (see the class comment).</summary>
    private sealed class Group(int maxMembers, int maxOperations)
    {
        private readonly Dictionary<byte[], KvCompare> _pointCompares = new(ByteKeyComparer.Instance);
        private readonly List<KvCompare> _rangeCompares = [];
        private readonly HashSet<byte[]> _writes = new(ByteKeyComparer.Instance);
        private int _bytes;

        public List<Pending> Members { get; } = [];

        public bool TryAdd(Pending pending)
        {
            var transaction = pending.Transaction;
            if (Members.Count == 0)
            {
                Take(pending);
                return true;
            }
            if (Members.Count >= maxMembers || _writes.Count + transaction.Writes.Count > maxOperations) return false;
            var bytes = BytesOf(transaction);
            if (_bytes + bytes > MaxBytesPerGroup) return false;
            var newCompares = 0;
            foreach (var compare in transaction.Compares)
            {
                if (compare.RangeEnd is { } end)
                {
                    if (_writes.Any(k => InRange(k, compare.Key, end))) return false;
                    newCompares++;
                }
                else
                {
                    if (_writes.Contains(compare.Key)) return false;
                    if (_pointCompares.TryGetValue(compare.Key, out var existing))
                    {
                        if (existing.Target != compare.Target || existing.Value != compare.Value) return false;
                    }
                    else newCompares++;
                }
            }
            if (_pointCompares.Count + _rangeCompares.Count + newCompares > maxOperations) return false;
            foreach (var write in transaction.Writes)
            {
                if (_writes.Contains(write.Key) || _pointCompares.ContainsKey(write.Key)) return false;
                if (_rangeCompares.Any(r => InRange(write.Key, r.Key, r.RangeEnd!))) return false;
            }
            Take(pending);
            return true;
        }

        public KvTransaction Build()
        {
            var transaction = new KvTransaction();
            transaction.Compares.AddRange(_pointCompares.Values);
            transaction.Compares.AddRange(_rangeCompares);
            foreach (var member in Members) transaction.Writes.AddRange(member.Transaction.Writes);
            return transaction;
        }

        private void Take(Pending pending)
        {
            Members.Add(pending);
            _bytes += BytesOf(pending.Transaction);
            foreach (var compare in pending.Transaction.Compares)
            {
                if (compare.RangeEnd is not null) _rangeCompares.Add(compare);
                else _pointCompares.TryAdd(compare.Key, compare);
            }
            foreach (var write in pending.Transaction.Writes) _writes.Add(write.Key);
        }

        private static int BytesOf(KvTransaction transaction) =>
            transaction.Compares.Sum(c => c.Key.Length + (c.RangeEnd?.Length ?? 0) + 16)
            + transaction.Writes.Sum(w => w.Key.Length + (w.Value?.Length ?? 0) + 16);

        private static bool InRange(byte[] key, byte[] from, byte[] to) =>
            ByteKeyComparer.Instance.Compare(key, from) >= 0 && ByteKeyComparer.Instance.Compare(key, to) < 0;
    }

    private sealed class Pending(KvTransaction transaction, CancellationToken cancellationToken)
    {
        public KvTransaction Transaction { get; } = transaction;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<KvCommitResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A group of {Count} commits failed a compare; each committed alone")]
    private partial void LogGroupFellBack(int count);
}
