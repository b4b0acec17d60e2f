using Aspire.Hosting.ApplicationModel;

namespace PolarGrid.AppHost.Hosting;

/// <summary>
/// One colocation: the parent of its node's gateway, Triton and sidecar in the dashboard, and the unit the manifest
/// emitter turns into a namespace.
/// </summary>
public sealed class ColoResource(string name, string city, string region) : Resource(name)
{
    public string City { get; } = city;

    public string Region { get; } = region;
}
