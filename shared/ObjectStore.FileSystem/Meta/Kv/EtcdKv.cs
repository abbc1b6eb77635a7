using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ObjectStore.Etcd;

namespace ObjectStore.FileSystem.Meta.Kv;

/// <summary>
/// The etcd engine of <see cref="ITransactionalKv"/> over dotnet-etcd: a client per member, one member at a time, and
/// a call that cannot reach its member goes on to the next (<see cref="EtcdMembers"/>; one client over all the members
/// kept sending calls to a stopped one until the namespace's bound ran out, EIO). Only unary calls and the
/// single-request keep-alive are used: the streaming range of etcd 3.7 is not served by the 3.4 members these machines
/// run. A call may thus be sent more than once (the client retries Unavailable itself, and then the next member is
/// tried), so a transaction reported as failed may have been applied: callers name a witness key to tell. Calls carry
/// no deadline of their own: the caller's cancellation bounds them, as the namespace's timeouts expect.
/// </summary>
public sealed class EtcdKv : ITransactionalKv
{
    private readonly EtcdMembers _members;
    private readonly ILogger _logger;

    /// <param name="endpoints">Comma-separated <c>http://host:port</c> URLs of the members.</param>
    public EtcdKv(string endpoints, ILogger<EtcdKv>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoints);
        _members = new EtcdMembers(endpoints, o => o.Credentials = ChannelCredentials.Insecure);
        _logger = logger ?? NullLogger<EtcdKv>.Instance;
    }

    public int MaxOperationsPerTransaction => 128;

    public async Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct)
    {
        var response = await Call((client, deadline) => client.GetAsync(new RangeRequest { Key = ByteString.CopyFrom(key) }, deadline: deadline, cancellationToken: ct), ct);
        return response.Kvs.Count == 0 ? null : ToEntry(response.Kvs[0]);
    }

    public async Task<IReadOnlyList<KvEntry?>> GetManyAsync(IReadOnlyList<byte[]> keys, CancellationToken ct)
    {
        var result = new KvEntry?[keys.Count];
        for (var start = 0; start < keys.Count; start += MaxOperationsPerTransaction)
        {
            var count = Math.Min(MaxOperationsPerTransaction, keys.Count - start);
            var request = new TxnRequest();
            for (var i = 0; i < count; i++)
                request.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = ByteString.CopyFrom(keys[start + i]) } });
            var response = await Call((client, deadline) => client.TransactionAsync(request, deadline: deadline, cancellationToken: ct), ct);
            for (var i = 0; i < count; i++)
            {
                var range = response.Responses[i].ResponseRange;
                result[start + i] = range.Kvs.Count == 0 ? null : ToEntry(range.Kvs[0]);
            }
        }
        return result;
    }

    public async Task<IReadOnlyList<long>> CountManyAsync(IReadOnlyList<(byte[] From, byte[] To)> ranges, CancellationToken ct)
    {
        var result = new long[ranges.Count];
        for (var start = 0; start < ranges.Count; start += MaxOperationsPerTransaction)
        {
            var count = Math.Min(MaxOperationsPerTransaction, ranges.Count - start);
            var request = new TxnRequest();
            for (var i = 0; i < count; i++)
            {
                var (from, to) = ranges[start + i];
                request.Success.Add(new RequestOp { RequestRange = new RangeRequest { Key = ByteString.CopyFrom(from), RangeEnd = ByteString.CopyFrom(to), CountOnly = true } });
            }
            var response = await Call((client, deadline) => client.TransactionAsync(request, deadline: deadline, cancellationToken: ct), ct);
            for (var i = 0; i < count; i++) result[start + i] = response.Responses[i].ResponseRange.Count;
        }
        return result;
    }

    public async Task<KvPage> RangeAsync(byte[] from, byte[] to, int limit, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var request = new RangeRequest { Key = ByteString.CopyFrom(from), RangeEnd = ByteString.CopyFrom(to), Limit = limit };
        var response = await Call((client, deadline) => client.GetAsync(request, deadline: deadline, cancellationToken: ct), ct);
        return new KvPage(response.Kvs.Select(ToEntry).ToArray(), response.More);
    }

    public async Task<KvChanges> ChangedSinceAsync(byte[] from, byte[] to, long afterRevision, int limit, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var request = new RangeRequest
        {
            Key = ByteString.CopyFrom(from), RangeEnd = ByteString.CopyFrom(to), Limit = limit, KeysOnly = true,
            MinModRevision = afterRevision + 1,
        };
        var response = await Call((client, deadline) => client.GetAsync(request, deadline: deadline, cancellationToken: ct), ct);
        return new KvChanges(response.Kvs.Select(kv => kv.Key.ToByteArray()).ToArray(), response.More, response.Header.Revision);
    }

    public async Task<KvCommitResult> CommitAsync(KvTransaction transaction, CancellationToken ct)
    {
        var request = new TxnRequest();
        foreach (var compare in transaction.Compares)
        {
            var c = new Compare { Key = ByteString.CopyFrom(compare.Key), Result = Compare.Types.CompareResult.Equal };
            if (compare.RangeEnd is { } end) c.RangeEnd = ByteString.CopyFrom(end);
            switch (compare.Target)
            {
                case KvCompareTarget.ModRevision:
                    c.Target = Compare.Types.CompareTarget.Mod;
                    c.ModRevision = compare.Value;
                    break;
                case KvCompareTarget.CreateRevision:
                    c.Target = Compare.Types.CompareTarget.Create;
                    c.CreateRevision = compare.Value;
                    break;
                default:
                    c.Target = Compare.Types.CompareTarget.Version;
                    c.Version = compare.Value;
                    break;
            }
            request.Compare.Add(c);
        }
        foreach (var write in transaction.Writes)
        {
            request.Success.Add(write.IsDelete
                ? new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = ByteString.CopyFrom(write.Key) } }
                : new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFrom(write.Key), Value = ByteString.CopyFrom(write.Value), Lease = write.Lease } });
        }
        if (transaction.Witness is { } witness)
            request.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = ByteString.CopyFrom(witness) } });
        var response = await Call((client, deadline) => client.TransactionAsync(request, deadline: deadline, cancellationToken: ct), ct);
        KvEntry? current = null;
        if (!response.Succeeded && transaction.Witness is not null && response.Responses.Count > 0 && response.Responses[0].ResponseRange.Kvs.Count > 0)
            current = ToEntry(response.Responses[0].ResponseRange.Kvs[0]);
        return new KvCommitResult(response.Succeeded, response.Header.Revision, current);
    }

    public async Task<long> GrantLeaseAsync(TimeSpan timeToLive, CancellationToken ct)
    {
        var seconds = (long)Math.Ceiling(timeToLive.TotalSeconds);
        var response = await Call((client, deadline) => client.LeaseGrantAsync(new LeaseGrantRequest { TTL = seconds }, deadline: deadline, cancellationToken: ct), ct);
        return response.ID;
    }

    public async Task<bool> KeepLeaseAliveAsync(long lease, CancellationToken ct)
    {
        long ttl = 0;
        // This overload takes no deadline; none is set here anyway (see the class comment).
        await Call(async (client, _) =>
        {
            await client.LeaseKeepAlive(new LeaseKeepAliveRequest { ID = lease }, r => ttl = r.TTL, ct);
            return true;
        }, ct);
        return ttl > 0;
    }

    public async Task RevokeLeaseAsync(long lease, CancellationToken ct)
    {
        try
        {
            await Call((client, deadline) => client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, deadline: deadline, cancellationToken: ct), ct);
        }
        catch (KvRequestException e) when (e.Message.Contains("lease not found", StringComparison.Ordinal))
        {
            // Already expired or revoked: the outcome the caller wanted.
        }
    }

    public ValueTask DisposeAsync()
    {
        _members.Dispose();
        return ValueTask.CompletedTask;
    }

    private static KvEntry ToEntry(Mvccpb.KeyValue kv) => new(kv.Key.ToByteArray(), kv.Value.ToByteArray(), kv.CreateRevision, kv.ModRevision);

    /// <summary>
    /// Sends a call through the member failover and maps gRPC failures: transient ones (every member tried unreachable,
    /// a leader election) to <see cref="KvUnavailableException"/>, which the namespace retries within its bound.
    /// </summary>
    private async Task<T> Call<T>(Func<EtcdClient, DateTime?, Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await _members.CallAsync(call, Timeout.InfiniteTimeSpan, _logger);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
        {
            throw new OperationCanceledException(ct);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange
                                         or StatusCode.NotFound or StatusCode.PermissionDenied or StatusCode.Unauthenticated or StatusCode.Unimplemented)
        {
            throw new KvRequestException($"etcd refused the request: {e.Status.Detail}", e);
        }
        catch (RpcException e)
        {
            throw new KvUnavailableException($"etcd did not answer: {e.StatusCode} {e.Status.Detail}", e);
        }
        catch (HttpRequestException e)
        {
            throw new KvUnavailableException($"etcd could not be reached: {e.Message}", e);
        }
    }
}
