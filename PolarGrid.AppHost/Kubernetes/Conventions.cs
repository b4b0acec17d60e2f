using k8s.Models;

namespace PolarGrid.AppHost.Kubernetes;

/// <summary>What every emitted object shares: labels, security contexts, probes, resources.</summary>
public static class Conventions
{
    public const string PartOf = "polargrid";

    /// <summary>The non-root user of the .NET container images (<c>$APP_UID</c>).</summary>
    public const long DotnetAppUser = 1654;

    /// <summary>The non-root user the Triton image ships (<c>triton-server</c>).</summary>
    public const long TritonUser = 1000;

    /// <summary>The <c>postgres</c> user of the official Postgres image.</summary>
    public const long PostgresUser = 999;

    /// <summary>The standard labels; the selector uses only the name, so an overlay can add labels freely.</summary>
    public static IDictionary<string, string> Labels(string name, string component) => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["app.kubernetes.io/component"] = component,
        ["app.kubernetes.io/managed-by"] = "kustomize",
        ["app.kubernetes.io/name"] = name,
        ["app.kubernetes.io/part-of"] = PartOf,
    };

    public static IDictionary<string, string> Selector(string name) =>
        new SortedDictionary<string, string>(StringComparer.Ordinal) { ["app.kubernetes.io/name"] = name };

    public static V1ObjectMeta Metadata(string name, string component, IDictionary<string, string>? annotations = null) =>
        new() { Name = name, Labels = Labels(name, component), Annotations = annotations };

    public static V1PodSecurityContext PodSecurity(long user) => new()
    {
        RunAsNonRoot = true,
        RunAsUser = user,
        RunAsGroup = user,
        FsGroup = user,
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    /// <summary>No escalation, no capabilities; <paramref name="user"/> when the container runs as other than its pod's user.</summary>
    public static V1SecurityContext ContainerSecurity(bool readOnlyRootFilesystem = true, long? user = null) => new()
    {
        RunAsUser = user,
        AllowPrivilegeEscalation = false,
        ReadOnlyRootFilesystem = readOnlyRootFilesystem,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
    };

    /// <summary>
    /// HOME on the writable scratch volume: with a read-only root file system, what .NET and native libraries keep under
    /// the home folder (caches, the data-protection key ring) would otherwise fail to be written.
    /// </summary>
    public static V1EnvVar ScratchHome() => new() { Name = "HOME", Value = "/tmp" };

    public static V1Probe HttpProbe(string path, string port, string scheme = "HTTP", int period = 10, int failures = 3) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = port, Scheme = scheme },
        PeriodSeconds = period,
        TimeoutSeconds = 3,
        FailureThreshold = failures,
    };

    public static V1ResourceRequirements Resources(ContainerResources resources, int gpus = 0)
    {
        var limits = new SortedDictionary<string, ResourceQuantity>(StringComparer.Ordinal)
        {
            ["cpu"] = new(resources.CpuLimit),
            ["memory"] = new(resources.MemoryLimit),
        };
        if (gpus > 0)
        {
            limits["nvidia.com/gpu"] = new(gpus.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return new V1ResourceRequirements
        {
            Requests = new SortedDictionary<string, ResourceQuantity>(StringComparer.Ordinal)
            {
                ["cpu"] = new(resources.CpuRequest),
                ["memory"] = new(resources.MemoryRequest),
            },
            Limits = limits,
        };
    }

    public static V1Volume EmptyDir(string name, string? medium = null, string? sizeLimit = null) => new()
    {
        Name = name,
        EmptyDir = new V1EmptyDirVolumeSource { Medium = medium, SizeLimit = sizeLimit is null ? null : new ResourceQuantity(sizeLimit) },
    };

    public static V1PersistentVolumeClaim Claim(string name, string component, string size) => new()
    {
        ApiVersion = "v1",
        Kind = "PersistentVolumeClaim",
        Metadata = Metadata(name, component),
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            Resources = new V1VolumeResourceRequirements
            {
                Requests = new SortedDictionary<string, ResourceQuantity>(StringComparer.Ordinal) { ["storage"] = new(size) },
            },
        },
    };

    /// <summary>Environment entries for a container's secrets: each secret once (first), then the values composed from them.</summary>
    public static IList<V1EnvVar> SecretEnvironment(string secretName, IEnumerable<KeyValuePair<string, ManifestValue>> values)
    {
        var env = new List<V1EnvVar>();
        var composed = new List<V1EnvVar>();
        foreach (var (name, value) in values)
        {
            if (value.SoleSecret is { } sole)
            {
                env.Add(SecretVariable(name, secretName, sole.Key));
                continue;
            }
            foreach (var secret in value.Secrets.Where(s => env.All(e => e.Name != s.VariableName)))
            {
                env.Add(SecretVariable(secret.VariableName, secretName, secret.Key));
            }
            composed.Add(new V1EnvVar { Name = name, Value = value.Text });
        }
        return [.. env.OrderBy(e => e.Name, StringComparer.Ordinal), .. composed.OrderBy(e => e.Name, StringComparer.Ordinal)];
    }

    private static V1EnvVar SecretVariable(string name, string secretName, string key) => new()
    {
        Name = name,
        ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secretName, Key = key } },
    };
}
