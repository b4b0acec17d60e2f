namespace PolarGrid.Tests.ControlPlane;

/// <summary>Postgres keeps a bounded history: samples per node, their age, and published table versions.</summary>
[Collection(ControlPlaneCollection.Name)]
public sealed class HistoryTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Pruning_keeps_the_configured_number_of_samples_per_node_and_table_versions()
    {
        await using var steady = await FakeNode.StartAsync();
        await using var flapping = await FakeNode.StartAsync();
        var settings = new ControlPlaneSettings(await postgres.NewDatabaseAsync(), [("yvr", steady.Address), ("yyz", flapping.Address)])
        {
            SamplesPerNode = 3,
            TableVersions = 2,
        };
        await using var replica = await ControlPlaneReplica.StartAsync(settings);

        // A model changing state at every pull makes a new table version at (nearly) every collection.
        var versions = new HashSet<long>();
        await Poll.UntilAsync(async () =>
        {
            flapping.SetModel("flapping", flapping.Pulls.Count % 2 == 0 ? "loading" : "ready");
            versions.Add((await replica.TableAsync()).Version);
            return steady.Pulls.Count >= 8 && flapping.Pulls.Count >= 8 && versions.Count >= 4;
        }, "eight collections and four table versions");

        // Samples are inserted and pruned in one transaction: the bound holds at every instant, not just eventually.
        for (var check = 0; check < 5; check++)
        {
            Assert.Equal(3, await Scalar("SELECT count(*) FROM node_samples WHERE colo = 'yvr'"));
            Assert.Equal(3, await Scalar("SELECT count(*) FROM node_samples WHERE colo = 'yyz'"));
            Assert.Equal(2, await Scalar("SELECT count(*) FROM routing_tables"));
        }
        // The newest versions are the ones kept.
        Assert.True(await Scalar("SELECT min(version) FROM routing_tables") > versions.Order().SkipLast(2).Last());
        Assert.True(steady.Pulls.Count > 3);

        Task<long> Scalar(string sql) => PostgresFixture.ScalarAsync<long>(settings.ConnectionString, sql);
    }

    [Fact]
    public async Task Samples_older_than_the_maximum_age_are_removed()
    {
        await using var node = await FakeNode.StartAsync();
        var settings = new ControlPlaneSettings(await postgres.NewDatabaseAsync(), [("yow", node.Address)]);
        await using var replica = await ControlPlaneReplica.StartAsync(settings);
        await Poll.UntilAsync(async () => await Count() > 0, "a first sample");

        // A sample from two days ago (the default MaxAge is one day), as a long-running fleet would have.
        await PostgresFixture.ScalarAsync<long>(settings.ConnectionString, """
            WITH old AS (
                INSERT INTO node_samples (colo, collected_at, state) VALUES ('yow', now() - interval '2 days', 'healthy') RETURNING 1)
            SELECT count(*) FROM old
            """);
        Assert.Equal(1, await CountOld());
        await Poll.UntilAsync(async () => await CountOld() == 0, "the old sample pruned");
        Assert.True(await Count() > 0);

        Task<long> Count() => PostgresFixture.ScalarAsync<long>(settings.ConnectionString, "SELECT count(*) FROM node_samples");
        Task<long> CountOld() => PostgresFixture.ScalarAsync<long>(settings.ConnectionString,
            "SELECT count(*) FROM node_samples WHERE collected_at < now() - interval '1 day'");
    }
}
