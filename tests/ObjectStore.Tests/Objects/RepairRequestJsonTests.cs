using System.Text.Json;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Tests.Objects;

public sealed class RepairRequestJsonTests
{
    /// <summary>How the Api's RabbitMQ trigger binds a queued message body to <see cref="RepairRequest"/>.</summary>
    private static readonly JsonSerializerOptions TriggerJson = new(JsonSerializerDefaults.Web);

    [Fact]
    public void A_RepairRequest_as_the_scheduler_queues_it_binds_back_in_the_repair_function()
    {
        var request = new RepairRequest(
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", "rs-4-2", (64L * 1024 * 1024) + 1, "shard 3: \"node-2\" timed out");

        var bytes = JsonSerializer.SerializeToUtf8Bytes(request);

        Assert.Equal(request, JsonSerializer.Deserialize<RepairRequest>(bytes, TriggerJson));
    }
}
