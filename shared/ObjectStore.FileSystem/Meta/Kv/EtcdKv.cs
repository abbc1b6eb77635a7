namespace ObjectStore.FileSystem.Meta.Kv;

/// <summary>The etcd engine of <see cref="ITransactionalKv"/> (dotnet-etcd, one client per process).</summary>
public sealed class EtcdKv(string endpoints) : ITransactionalKv
{
    public string Endpoints { get; } = endpoints;
    public int MaxOperationsPerTransaction => 128;
    public Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct) => throw new NotImplementedException();
    public Task<KvPage> RangeAsync(byte[] from, byte[] to, int limit, CancellationToken ct) => throw new NotImplementedException();
    public Task<KvCommitResult> CommitAsync(KvTransaction transaction, CancellationToken ct) => throw new NotImplementedException();
    public Task<long> GrantLeaseAsync(TimeSpan timeToLive, CancellationToken ct) => throw new NotImplementedException();
    public Task<bool> KeepLeaseAliveAsync(long lease, CancellationToken ct) => throw new NotImplementedException();
    public Task RevokeLeaseAsync(long lease, CancellationToken ct) => throw new NotImplementedException();
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
