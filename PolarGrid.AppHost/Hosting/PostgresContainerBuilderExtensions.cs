using Aspire.Hosting.ApplicationModel;
using PolarGrid.AppHost.Kubernetes;

namespace PolarGrid.AppHost.Hosting;

public static class PostgresContainerBuilderExtensions
{
    /// <summary>
    /// Postgres as a container with a data volume, holding <paramref name="databaseName"/>; on a cluster it is the
    /// control plane's StatefulSet, its password read from the control plane's Secret.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddPostgresContainer(
        this IDistributedApplicationBuilder builder, string name, string databaseName)
    {
        var server = builder.AddPostgres(name)
            .WithDataVolume("polargrid-postgres")
            .WithKubernetesRole(KubernetesRole.Database);
        builder.CreateResourceBuilder(server.Resource.PasswordParameter).WithKubernetesSecretKey("postgres-password");
        return server.AddDatabase(databaseName);
    }
}
