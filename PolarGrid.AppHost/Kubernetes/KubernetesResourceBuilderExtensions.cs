using Aspire.Hosting.ApplicationModel;

namespace PolarGrid.AppHost.Kubernetes;

public static class KubernetesResourceBuilderExtensions
{
    /// <summary>Deploys this resource as <paramref name="role"/>, in <paramref name="colo"/> when it belongs to one.</summary>
    public static IResourceBuilder<T> WithKubernetesRole<T>(this IResourceBuilder<T> builder, KubernetesRole role, string? colo = null)
        where T : IResource =>
        builder.WithAnnotation(new KubernetesRoleAnnotation(role, colo), ResourceAnnotationMutationBehavior.Replace);

    /// <summary>Runs this resource in a VM-isolated pod (the <c>kata</c> runtime class).</summary>
    public static IResourceBuilder<T> WithVmIsolation<T>(this IResourceBuilder<T> builder) where T : IResource =>
        builder.WithAnnotation(new VmIsolationAnnotation(), ResourceAnnotationMutationBehavior.Replace);

    /// <summary>Names the Secret key (and ignored input file) this secret parameter is read from on a cluster.</summary>
    public static IResourceBuilder<ParameterResource> WithKubernetesSecretKey(this IResourceBuilder<ParameterResource> builder, string key) =>
        builder.WithAnnotation(new KubernetesSecretKeyAnnotation(key), ResourceAnnotationMutationBehavior.Replace);
}
