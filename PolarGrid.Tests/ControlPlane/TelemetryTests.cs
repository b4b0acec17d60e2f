using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using PolarGrid.ControlPlane.Telemetry;
using PolarGrid.Routing;

namespace PolarGrid.Tests.ControlPlane;

/// <summary>The <c>PolarGrid.ControlPlane</c> meter: collections, nodes by state, leadership and the served version.</summary>
[Collection(ControlPlaneCollection.Name)]
public sealed class TelemetryTests(PostgresFixture postgres)
{
    [Fact]
    public async Task The_meter_reports_collections_node_states_leadership_and_the_served_version()
    {
        await using var up = await FakeNode.StartAsync();
        await using var gone = await FakeNode.StartAsync();
        await gone.StopAsync();
        var settings = new ControlPlaneSettings(await postgres.NewDatabaseAsync(), [("yvr", up.Address), ("yyz", gone.Address)]);
        await using var replica = await ControlPlaneReplica.StartAsync(settings);
        await Poll.UntilAsync(replica.IsLeaderAsync, "the replica leading");
        var table = await Poll.UntilAsync(replica.TableAsync, table => table.Nodes.All(node => node.State != RoutedNode.Unknown), "both nodes collected");

        // Only this replica's meter (its host's factory), whatever else runs in the process.
        var factory = replica.App.Services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentBag<(string Name, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ControlPlaneTelemetry.Name && instrument.Meter.Scope == factory)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Add((instrument.Name, value, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => measurements.Add((instrument.Name, value, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Add((instrument.Name, value, ToDictionary(tags))));
        listener.Start();

        await Poll.UntilAsync(() => Task.FromResult(measurements.Any(m => m.Name == "polargrid.controlplane.collections")), "a collection counted");
        Assert.Contains(measurements, m => m.Name == "polargrid.controlplane.collection.duration" && m.Value > 0);
        Assert.Contains(measurements, m => m.Name == "polargrid.controlplane.collections" && (string?)m.Tags["outcome"] == "completed");

        listener.RecordObservableInstruments();
        Assert.Contains(measurements, m => m.Name == "polargrid.controlplane.leader" && m.Value == 1);
        Assert.Contains(measurements, m => m.Name == "polargrid.controlplane.nodes" && (string?)m.Tags["state"] == "healthy" && m.Value == 1);
        Assert.Contains(measurements, m => m.Name == "polargrid.controlplane.nodes" && (string?)m.Tags["state"] == "down" && m.Value == 1);
        Assert.Contains(measurements, m => m.Name == "polargrid.controlplane.routing_table.version" && m.Value >= table.Version
            && (bool?)m.Tags["stale"] == false);
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, object?>();
        foreach (var (key, value) in tags)
        {
            dictionary[key] = value;
        }
        return dictionary;
    }
}
