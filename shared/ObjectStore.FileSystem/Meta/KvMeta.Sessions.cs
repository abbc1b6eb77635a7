using System.Text.Json;

namespace ObjectStore.FileSystem.Meta;

public sealed partial class KvMeta
{
    private long _session;
    private CancellationTokenSource? _background;
    private Task _keepAlive = Task.CompletedTask;
    private Task _statisticsFlush = Task.CompletedTask;

    /// <summary>This mount's session (the id of its lease); 0 before <see cref="StartSessionAsync"/>.</summary>
    public long SessionId => Interlocked.Read(ref _session);

    public async Task StartSessionAsync(CancellationToken ct)
    {
        if (SessionId != 0) throw new InvalidOperationException("the session is already started");
        await FormatAsync(ct);
        await RegisterSessionAsync(ct);
        _background = new CancellationTokenSource();
        _keepAlive = KeepAliveLoopAsync(_background.Token);
        _statisticsFlush = FlushStatisticsLoopAsync(_background.Token);
        await CleanDeadSessionsAsync(ct);
        await ProcessPendingDeletionsAsync(int.MaxValue, ct);
    }

    public async Task CloseSessionAsync(CancellationToken ct)
    {
        await StopBackgroundAsync();
        foreach (var inode in _sustained.Keys) await DeleteSustainedAsync(SessionId, inode, ct);
        await FlushStatisticsAsync(ct);
        var session = Interlocked.Exchange(ref _session, 0);
        if (session != 0) await RunAsync(async (_, token) => { await _kv.RevokeLeaseAsync(session, token); return true; }, ct);
        LogSessionClosed(session, _committer.GroupedCommits, _committer.Groups, _committer.FellBack, _reader.GroupedReads, _reader.Groups);
    }

    /// <summary>Stops the background work without touching the store (as a killed mount would): the lease expires and the next session cleans up.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopBackgroundAsync();
        await _committer.DisposeAsync();
        await _reader.DisposeAsync();
    }

    private async Task StopBackgroundAsync()
    {
        if (_background is null) return;
        await _background.CancelAsync();
        await Task.WhenAll(_keepAlive, _statisticsFlush);
        _background.Dispose();
        _background = null;
    }

    private async Task RegisterSessionAsync(CancellationToken ct)
    {
        var lease = await RunAsync((_, token) => _kv.GrantLeaseAsync(_options.SessionTtl, token), ct);
        var info = JsonSerializer.SerializeToUtf8Bytes(new SessionInfo(Environment.MachineName, Environment.ProcessId, NowNs()));
        await RunAsync((txn, _) =>
        {
            txn.Put(_keys.Session(lease), info, lease);
            return Task.FromResult(true);
        }, ct);
        Interlocked.Exchange(ref _session, lease);
        LogSessionStarted(lease, _options.Volume);
    }

    private async Task KeepAliveLoopAsync(CancellationToken ct)
    {
        await Task.Yield();
        var period = _options.SessionTtl / 3;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, _time, ct);
                var session = SessionId;
                var alive = await RunAsync((_, token) => _kv.KeepLeaseAliveAsync(session, token), ct);
                if (!alive) await RenewSessionAsync(session, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogKeepAliveFailed(e);
            }
        }
    }

    /// <summary>
    /// The lease expired while this mount lived (the store was unreachable longer than the TTL): register again and
    /// move the files this session keeps open to the new session, unless another session already cleaned them.
    /// </summary>
    private async Task RenewSessionAsync(long expired, CancellationToken ct)
    {
        LogSessionExpired(expired);
        await RegisterSessionAsync(ct);
        var session = SessionId;
        foreach (var inode in _sustained.Keys)
        {
            await RunAsync(async (txn, token) =>
            {
                txn.Delete(_keys.Sustained(expired, inode));
                if (await txn.GetAttributesAsync(inode, token) is not null) txn.Put(_keys.Sustained(session, inode), []);
                return true;
            }, ct);
        }
    }

    /// <summary>Deletes the files that sessions whose lease expired kept open after unlinking them.</summary>
    private async Task CleanDeadSessionsAsync(CancellationToken ct)
    {
        var (from, to) = _keys.AllSustained;
        var liveness = new Dictionary<long, bool>();
        var cleaned = 0;
        while (true)
        {
            var page = await RunAsync((txn, token) => txn.RangeAsync(from, to, 100, token), ct);
            foreach (var entry in page.Entries)
            {
                var (session, inode) = _keys.SustainedParts(entry.Key);
                if (session == SessionId) continue;
                if (!liveness.TryGetValue(session, out var alive))
                {
                    alive = await RunAsync(async (txn, token) => await txn.GetAsync(_keys.Session(session), token) is not null, ct);
                    liveness[session] = alive;
                }
                if (alive) continue;
                await DeleteSustainedAsync(session, inode, ct);
                cleaned++;
            }
            if (!page.More) break;
            from = [.. page.Entries[^1].Key, 0];
        }
        if (cleaned > 0) LogDeadSessionsCleaned(cleaned);
    }

    /// <summary>Deletes a file a session kept after its last name was removed, if no name was added meanwhile.</summary>
    private async Task DeleteSustainedAsync(long session, ulong inode, CancellationToken ct)
    {
        var deleted = await RunAsync(async (txn, token) =>
        {
            var attributes = await txn.GetAttributesAsync(inode, token);
            txn.Delete(_keys.Sustained(session, inode));
            if (attributes is not { LinkCount: 0 }) return false;
            return await DeleteInodeAsync(txn, inode, attributes, token);
        }, ct);
        if (session == SessionId) _sustained.TryRemove(inode, out _);
        if (deleted) await ProcessDeletedFileQuietlyAsync(inode, ct);
    }

    private sealed record SessionInfo(string Host, int ProcessId, long StartedNs);
}
