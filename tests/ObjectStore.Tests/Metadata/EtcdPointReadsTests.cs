using Etcdserverpb;
using Google.Protobuf;
using Mvccpb;
using ObjectStore.Storage.Metadata;

namespace ObjectStore.Tests.Metadata;

public sealed class EtcdPointReadsTests
{
    private readonly TaskCompletionSource _firstInFlight = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<KeyValue?> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<TxnRequest> _transactions = [];

    [Fact]
    public async Task Reads_asked_while_one_is_in_flight_go_together_in_one_transaction_and_each_gets_its_own_answer()
    {
        await using var reads = new EtcdPointReads(ReadOneAsync, txn => Task.FromResult(Answer(txn)));
        var a = reads.GetAsync(Key("a"), CancellationToken.None);
        await _firstInFlight.Task;

        var b = reads.GetAsync(Key("b"), CancellationToken.None);
        var absent = reads.GetAsync(Key("absent"), CancellationToken.None);
        var again = reads.GetAsync(Key("b"), CancellationToken.None);
        _first.SetResult(Stored("a"));

        Assert.Equal("value of a", (await a)!.Value.ToStringUtf8());
        Assert.Equal("value of b", (await b)!.Value.ToStringUtf8());
        Assert.Null(await absent);
        Assert.Equal("value of b", (await again)!.Value.ToStringUtf8());
        var transaction = Assert.Single(_transactions);
        Assert.Equal(["b", "absent", "b"], transaction.Success.Select(op => op.RequestRange.Key.ToStringUtf8()));
        Assert.Equal(1, reads.Groups);
    }

    [Fact]
    public async Task A_failed_round_trip_fails_each_of_its_reads_and_the_next_reads_go_on()
    {
        var failing = true;
        await using var reads = new EtcdPointReads(ReadOneAsync, txn => failing
            ? Task.FromException<TxnResponse>(new MetadataUnavailableException("etcd unavailable"))
            : Task.FromResult(Answer(txn)));
        var a = reads.GetAsync(Key("a"), CancellationToken.None);
        await _firstInFlight.Task;
        var b = reads.GetAsync(Key("b"), CancellationToken.None);
        var c = reads.GetAsync(Key("c"), CancellationToken.None);
        _first.SetResult(Stored("a"));

        await a;
        await Assert.ThrowsAsync<MetadataUnavailableException>(() => b);
        await Assert.ThrowsAsync<MetadataUnavailableException>(() => c);
        failing = false;
        Assert.Equal("value of d", (await reads.GetAsync(Key("d"), CancellationToken.None))!.Value.ToStringUtf8());
    }

    private Task<KeyValue?> ReadOneAsync(ByteString key)
    {
        if (key.ToStringUtf8() != "a")
        {
            return Task.FromResult<KeyValue?>(Stored(key.ToStringUtf8()));
        }

        _firstInFlight.TrySetResult();
        return _first.Task;
    }

    private TxnResponse Answer(TxnRequest txn)
    {
        _transactions.Add(txn);
        var response = new TxnResponse();
        foreach (var op in txn.Success)
        {
            var range = new RangeResponse();
            var key = op.RequestRange.Key.ToStringUtf8();
            if (key != "absent")
            {
                range.Kvs.Add(Stored(key));
            }

            response.Responses.Add(new ResponseOp { ResponseRange = range });
        }

        return response;
    }

    private static ByteString Key(string key) => ByteString.CopyFromUtf8(key);

    private static KeyValue Stored(string key) => new() { Key = Key(key), Value = ByteString.CopyFromUtf8($"value of {key}") };
}
