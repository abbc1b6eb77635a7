using Etcdserverpb;
using Microsoft.Extensions.Logging.Abstractions;
using ObjectStore.Etcd;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests;

/// <summary>A process's etcd clients send their calls to the leader, which a follower would forward every write to.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EtcdMembersTests(InfraFixture infra)
{
    [Fact]
    public async Task Calls_move_to_the_leader_after_the_first_whichever_member_they_started_on()
    {
        // Each instance starts on a member at random: six of them all ending on the leader is no accident.
        for (var i = 0; i < 6; i++)
        {
            using var members = new EtcdMembers(infra.EtcdEndpoints);
            await members.CallAsync((client, deadline) => client.GetAsync("objectstore-leader-probe", deadline: deadline), TimeSpan.FromSeconds(10), NullLogger.Instance);

            await Eventually.ReturnsAsync(() => IsLeaderAsync(members.Client), leads => leads, TimeSpan.FromSeconds(10), $"instance {i}'s calls on the leader");
        }
    }

    [Fact]
    public async Task Preferring_the_leader_finds_it_among_the_members()
    {
        using var members = new EtcdMembers(infra.EtcdEndpoints);

        Assert.True(await members.PreferLeaderAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.True(await IsLeaderAsync(members.Client), $"{members.EndpointOf(members.Client)} does not lead");
    }

    private static async Task<bool> IsLeaderAsync(dotnet_etcd.EtcdClient client)
    {
        var status = await client.GetConnection().MaintenanceClient.StatusAsync(new StatusRequest());
        return status.Leader == status.Header.MemberId;
    }
}
