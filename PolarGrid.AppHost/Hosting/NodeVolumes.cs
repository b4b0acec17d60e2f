namespace PolarGrid.AppHost.Hosting;

/// <summary>
/// The volumes of a node, as local folders: <see cref="Staging"/> (gateway writes converted models, sidecar reads),
/// <see cref="Models"/> (sidecar writes Triton's model repository, Triton reads) and <see cref="GatewayData"/> (the
/// gateway's own: tokenizers and load jobs).
/// </summary>
public sealed record NodeVolumes(string Staging, string Models, string GatewayData)
{
    public static NodeVolumes For(string dataRoot, string colo) =>
        new(Path.Combine(dataRoot, colo, "staging"), Path.Combine(dataRoot, colo, "models"), Path.Combine(dataRoot, colo, "gateway"));

    /// <summary>The same volumes as the containers of a deployed node mount them.</summary>
    public static NodeVolumes InContainers { get; } = new("/var/lib/polargrid/staging", "/models", "/var/lib/polargrid/gateway");

    public void Create()
    {
        Directory.CreateDirectory(Staging);
        Directory.CreateDirectory(Models);
        Directory.CreateDirectory(GatewayData);
    }
}
