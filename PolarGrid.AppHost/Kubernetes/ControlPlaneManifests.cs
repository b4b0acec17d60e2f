using Aspire.Hosting.ApplicationModel;
using k8s.Models;

namespace PolarGrid.AppHost.Kubernetes;

/// <summary>
/// The control plane (stateless replicas behind one Service and an Ingress) and its Postgres (a StatefulSet that
/// only the control plane may reach), in the <c>polargrid-control</c> namespace.
/// </summary>
public sealed class ControlPlaneManifests(KubernetesPublishOptions options)
{
    public const string Name = "controlplane";
    public const string Component = "control-plane";
    public const string DatabaseName = "postgres";
    public const string DatabaseComponent = "database";
    public const string SecretName = "controlplane-secrets";
    public const string TlsSecretName = "controlplane-tls";

    public IEnumerable<(string File, object Object)> ControlPlaneBase(DeployedResource controlPlane)
    {
        yield return ("deployment.yaml", Deployment(controlPlane));
        yield return ("service.yaml", KubernetesObjects.Service(Name, Component, "http", 80, "http"));
        yield return ("ingress.yaml", Ingress());
    }

    public IEnumerable<(string File, object Object)> DatabaseBase(DeployedResource database)
    {
        yield return ("statefulset.yaml", StatefulSet(database));
        yield return ("service.yaml", KubernetesObjects.Service(DatabaseName, DatabaseComponent, "tcp", DatabasePort(database), "tcp"));
        yield return ("networkpolicy.yaml", NetworkPolicies.DatabaseAccess(DatabaseName, Name, DatabasePort(database)));
    }

    public Kustomization Overlay(DeployedResource controlPlane, DeployedResource database, string controlPlaneBase, string databaseBase)
    {
        var kustomization = new Kustomization { Namespace = Placement.ControlNamespace };
        kustomization.Resources.Add("namespace.yaml");
        kustomization.Resources.Add(controlPlaneBase);
        kustomization.Resources.Add(databaseBase);
        kustomization.ConfigMaps.Add(("controlplane-env", [.. controlPlane.LiteralEnvironment.OrderBy(e => e.Key, StringComparer.Ordinal)]));
        kustomization.ConfigMaps.Add(("postgres-env", [.. database.LiteralEnvironment.OrderBy(e => e.Key, StringComparer.Ordinal)]));
        var keys = controlPlane.SecretKeys.Union(database.SecretKeys).Order(StringComparer.Ordinal);
        kustomization.Secrets.Add((SecretName, null, [.. keys.Select(key => $"secrets/{key}")]));
        kustomization.Secrets.Add((TlsSecretName, "kubernetes.io/tls", ["tls.crt=secrets/tls.crt", "tls.key=secrets/tls.key"]));
        return kustomization;
    }

    private static int DatabasePort(DeployedResource database) =>
        Placement.ContainerPort(database.Resource, database.Endpoints.Single(e => e.Name == "tcp"));

    private V1Deployment Deployment(DeployedResource controlPlane)
    {
        var port = Placement.ContainerPort(controlPlane.Resource, controlPlane.Endpoints.Single(e => e.Name == "http"));
        var container = new V1Container
        {
            Name = Name,
            Image = controlPlane.Image,
            Ports = [new V1ContainerPort { Name = "http", ContainerPort = port, Protocol = "TCP" }],
            EnvFrom = [KubernetesObjects.EnvFrom("controlplane-env")],
            Env = [new V1EnvVar { Name = "ASPNETCORE_URLS", Value = $"http://+:{port}" }, Conventions.ScratchHome(), .. Conventions.SecretEnvironment(SecretName, controlPlane.SecretEnvironment)],
            Resources = Conventions.Resources(options.Resources[Name]),
            LivenessProbe = Conventions.HttpProbe("/alive", "http"),
            ReadinessProbe = Conventions.HttpProbe("/health", "http", period: 5),
            SecurityContext = Conventions.ContainerSecurity(),
            VolumeMounts = [new V1VolumeMount { Name = "tmp", MountPath = "/tmp" }],
        };
        // Stateless over one database: as many replicas as the graph runs locally.
        var replicas = controlPlane.Resource.Annotations.OfType<ReplicaAnnotation>().LastOrDefault()?.Replicas ?? 1;
        return KubernetesObjects.Deployment(Name, Component, replicas, recreate: false,
            KubernetesObjects.Pod(Conventions.DotnetAppUser, [container], [Conventions.EmptyDir("tmp")]));
    }

    private V1StatefulSet StatefulSet(DeployedResource database)
    {
        var port = DatabasePort(database);
        var dataPath = database.Resource.Annotations.OfType<ContainerMountAnnotation>()
            .FirstOrDefault(m => m.Type == ContainerMountType.Volume)?.Target ?? "/var/lib/postgresql/data";
        var claim = Conventions.Claim("data", DatabaseComponent, options.DatabaseSize);
        claim.ApiVersion = null;
        claim.Kind = null;
        var container = new V1Container
        {
            Name = DatabaseName,
            Image = database.Image,
            Ports = [new V1ContainerPort { Name = "tcp", ContainerPort = port, Protocol = "TCP" }],
            EnvFrom = [KubernetesObjects.EnvFrom("postgres-env")],
            Env =
            [
                // A subfolder: the volume's root may hold lost+found, which initdb refuses.
                new V1EnvVar { Name = "PGDATA", Value = $"{dataPath}/pgdata" },
                .. Conventions.SecretEnvironment(SecretName, database.SecretEnvironment),
            ],
            Resources = Conventions.Resources(options.Resources[DatabaseName]),
            LivenessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = "tcp" }, PeriodSeconds = 10, FailureThreshold = 6 },
            ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["pg_isready", "-h", "127.0.0.1", "-U", "postgres"] }, PeriodSeconds = 5, TimeoutSeconds = 3 },
            SecurityContext = Conventions.ContainerSecurity(),
            VolumeMounts =
            [
                new V1VolumeMount { Name = "data", MountPath = dataPath },
                new V1VolumeMount { Name = "run", MountPath = "/var/run/postgresql" },
                new V1VolumeMount { Name = "tmp", MountPath = "/tmp" },
            ],
        };
        return new V1StatefulSet
        {
            ApiVersion = "apps/v1",
            Kind = "StatefulSet",
            Metadata = Conventions.Metadata(DatabaseName, DatabaseComponent),
            Spec = new V1StatefulSetSpec
            {
                ServiceName = DatabaseName,
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = Conventions.Selector(DatabaseName) },
                Template = KubernetesObjects.Template(DatabaseName, DatabaseComponent,
                    KubernetesObjects.Pod(Conventions.PostgresUser, [container], [Conventions.EmptyDir("run"), Conventions.EmptyDir("tmp")])),
                VolumeClaimTemplates = [claim],
            },
        };
    }

    private V1Ingress Ingress() =>
        KubernetesObjects.Ingress(Name, Component, options.IngressClassName, options.ControlPlaneHost, TlsSecretName, "http");
}
