using PolarGrid.ControlPlane.Collection;
using PolarGrid.Routing;

namespace PolarGrid.Tests.ControlPlane;

/// <summary>One replica collects (it holds a Postgres advisory lock); another takes over when it goes.</summary>
[Collection(ControlPlaneCollection.Name)]
public sealed class LeadershipTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Only_one_replica_collects_and_another_takes_over_when_it_stops()
    {
        await using var node = await FakeNode.StartAsync();
        node.SetModel("tiny_llama", "ready");
        var settings = new ControlPlaneSettings(await postgres.NewDatabaseAsync(), [("yvr", node.Address)]);
        await using var first = await ControlPlaneReplica.StartAsync(settings);
        await using var second = await ControlPlaneReplica.StartAsync(settings);
        var ids = new Dictionary<ControlPlaneReplica, string>
        {
            [first] = await first.InstanceIdAsync(),
            [second] = await second.InstanceIdAsync(),
        };
        Assert.NotEqual(ids[first], ids[second]);

        // Both replicas run their collector loop; over many rounds, only one of them pulls.
        var since = DateTimeOffset.UtcNow;
        await Poll.UntilAsync(() => Task.FromResult(node.Pulls.Count(pull => pull.At > since) >= 6), "six pulls");
        var pullers = node.Pulls.Where(pull => pull.At > since).Select(pull => Puller(pull.UserAgent, ids)).Distinct().ToList();
        var leader = Assert.Single(pullers);
        var follower = leader == first ? second : first;
        Assert.True(await leader.IsLeaderAsync());
        Assert.False(await follower.IsLeaderAsync());
        Assert.Equal(1L, await PostgresFixture.ScalarAsync<long>(settings.ConnectionString,
            """
            SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND ((classid::bigint << 32) | objid::bigint) = @key
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, ("key", CollectorLeadership.LockKey)));

        await leader.StopAsync();
        var stoppedAt = DateTimeOffset.UtcNow;

        await Poll.UntilAsync(follower.IsLeaderAsync, "the follower to take the collector lock");
        await Poll.UntilAsync(() => Task.FromResult(node.Pulls.Count(pull => pull.At > stoppedAt) >= 3), "pulls after the stop");
        Assert.All(node.Pulls.Where(pull => pull.At > stoppedAt), pull => Assert.Same(follower, Puller(pull.UserAgent, ids)));

        // The survivor's collections still reach the table.
        node.SetModel("tiny_llama", "failed");
        await Poll.UntilAsync(follower.TableAsync, table => table.Nodes.Single().Models.Single().State == "failed", "the change collected by the survivor");
        Assert.Equal(RoutedNode.Healthy, (await follower.TableAsync()).Nodes.Single().State);
    }

    private static ControlPlaneReplica Puller(string userAgent, Dictionary<ControlPlaneReplica, string> ids) =>
        ids.Single(pair => userAgent.Contains($"({pair.Value})", StringComparison.Ordinal)).Key;
}
