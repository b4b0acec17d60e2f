namespace PolarGrid.AppHost.Hosting;

/// <summary>
/// The two volumes of a node, as local folders: <see cref="Staging"/> (gateway writes converted models, sidecar
/// reads) and <see cref="Models"/> (sidecar writes Triton's model repository, Triton reads).
/// </summary>
public sealed record NodeVolumes(string Staging, string Models)
{
    public static NodeVolumes For(string dataRoot, string colo) =>
        new(Path.Combine(dataRoot, colo, "staging"), Path.Combine(dataRoot, colo, "models"));

    public void Create()
    {
        Directory.CreateDirectory(Staging);
        Directory.CreateDirectory(Models);
    }
}
