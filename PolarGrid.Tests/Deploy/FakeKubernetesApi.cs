using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PolarGrid.Tests.Deploy;

/// <summary>
/// A Kubernetes API server on loopback for the few GET paths the deploy scripts read with <c>kubectl get --raw</c>,
/// answering with objects shaped like a real server's (compact JSON, <c>Status</c> bodies for errors), plus a
/// container registry's <c>GET /v2/</c>. What the cluster has is <see cref="Cluster"/>, which a test changes before
/// running a script; every request is recorded.
/// </summary>
public sealed class FakeKubernetesApi : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _requests = new();
    private WebApplication? _app;

    private FakeKubernetesApi()
    {
    }

    /// <summary>The server's address (a port the OS picked).</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary><c>host:port</c>, as a registry is named in an image reference.</summary>
    public string Authority => Url.Authority;

    public FakeCluster Cluster { get; } = new();

    /// <summary>"METHOD /path" per request, in order.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    public static async Task<FakeKubernetesApi> StartAsync()
    {
        var api = new FakeKubernetesApi();
        await api.ListenAsync();
        return api;
    }

    private async Task ListenAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Use((context, next) =>
        {
            _requests.Enqueue($"{context.Request.Method} {context.Request.Path}");
            return next(context);
        });
        app.MapGet("/version", Version);
        app.MapGet("/apis/node.k8s.io/v1/runtimeclasses/{name}", RuntimeClass);
        app.MapGet("/apis/storage.k8s.io/v1/storageclasses", StorageClasses);
        app.MapGet("/apis/networking.k8s.io/v1/ingressclasses", IngressClasses);
        app.MapGet("/apis/apps/v1/namespaces/{ns}/deployments/{name}", Deployment);
        app.MapGet("/api/v1/nodes", Nodes);
        app.MapGet("/api/v1/namespaces/{ns}/services/{service}/proxy/{**path}", ServiceProxy);
        app.MapGet("/v2/", Registry);
        app.MapFallback(NotFoundPath);
        await app.StartAsync();
        _app = app;
        Url = new Uri(app.Urls.Single());
    }

    /// <summary>A kubeconfig whose contexts all reach this server (or <paramref name="server"/>), the first one current.</summary>
    public void WriteKubeconfig(string path, Uri? server = null, params string[] contexts)
    {
        contexts = contexts.Length > 0 ? contexts : ["microk8s"];
        var lines = new List<string>
        {
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: microk8s-cluster",
            "  cluster:",
            $"    server: {(server ?? Url).GetLeftPart(UriPartial.Authority)}",
            "contexts:",
        };
        foreach (var context in contexts)
        {
            lines.Add($"- name: {context}");
            lines.Add("  context:");
            lines.Add("    cluster: microk8s-cluster");
            lines.Add("    user: admin");
        }
        lines.Add($"current-context: {contexts[0]}");
        lines.Add("users:");
        lines.Add("- name: admin");
        lines.Add("  user:");
        lines.Add("    token: fake-admin-token");
        File.WriteAllLines(path, lines);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private IResult Version() => Json(new JsonObject
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.3",
        ["gitCommit"] = "32cc146f75aad04beaaa245a7157eb35063a9f99",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2025-03-11T19:52:21Z",
        ["goVersion"] = "go1.23.6",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    });

    private IResult RuntimeClass(string name) => Cluster.RuntimeClasses.Contains(name)
        ? Json(new JsonObject
        {
            ["kind"] = "RuntimeClass",
            ["apiVersion"] = "node.k8s.io/v1",
            ["metadata"] = Metadata(name),
            ["handler"] = name,
        })
        : NotFound("runtimeclasses", "node.k8s.io", name);

    private IResult StorageClasses() => Json(List("StorageClassList", "storage.k8s.io/v1",
        Cluster.StorageClasses.Select(storage => new JsonObject
        {
            ["metadata"] = Metadata(storage.Name, annotations: storage.IsDefault
                ? new() { ["storageclass.kubernetes.io/is-default-class"] = "true" }
                : null),
            ["provisioner"] = "microk8s.io/hostpath",
            ["reclaimPolicy"] = "Delete",
            ["volumeBindingMode"] = "WaitForFirstConsumer",
        })));

    private IResult IngressClasses() => Json(List("IngressClassList", "networking.k8s.io/v1",
        Cluster.IngressClasses.Select(name => new JsonObject
        {
            ["metadata"] = Metadata(name),
            ["spec"] = new JsonObject { ["controller"] = "k8s.io/ingress-nginx" },
        })));

    private IResult Deployment(string ns, string name)
    {
        if (ns != "kube-system" || name != "coredns" || Cluster.CoreDnsReadyReplicas is not { } ready)
        {
            return NotFound("deployments", "apps", name);
        }
        var status = new JsonObject { ["observedGeneration"] = 1, ["replicas"] = 1, ["updatedReplicas"] = 1 };
        if (ready > 0)
        {
            // The API leaves zero counts out (omitempty), as here.
            status["readyReplicas"] = ready;
            status["availableReplicas"] = ready;
        }
        return Json(new JsonObject
        {
            ["kind"] = "Deployment",
            ["apiVersion"] = "apps/v1",
            ["metadata"] = Metadata(name, ns),
            ["spec"] = new JsonObject { ["replicas"] = 1 },
            ["status"] = status,
        });
    }

    private IResult Nodes() => Json(List("NodeList", "v1", [new JsonObject
    {
        ["metadata"] = Metadata("colo-node-1"),
        ["status"] = new JsonObject
        {
            // Capacity lists the GPU even when the device plugin has not made it allocatable: only the latter counts.
            ["capacity"] = Resources(Cluster.GpuCapacity),
            ["allocatable"] = Resources(Cluster.GpuAllocatable),
        },
    }]));

    private static JsonObject Resources(int gpus)
    {
        var resources = new JsonObject { ["cpu"] = "16", ["memory"] = "131890580Ki", ["pods"] = "110" };
        if (gpus > 0)
        {
            resources["nvidia.com/gpu"] = gpus.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return resources;
    }

    private IResult ServiceProxy(string ns, string service, string path) =>
        path == "health" && Cluster.HealthyServices.Contains($"{ns}/{service}")
            ? Results.Text("Healthy", "text/plain")
            : Status(503, "ServiceUnavailable", $"no endpoints available for service \"{service}\"");

    private IResult Registry(HttpContext context)
    {
        if (Cluster.RegistryStatus == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"polargrid-test\"";
        }
        return Results.Text("""{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}""",
            "application/json", statusCode: Cluster.RegistryStatus);
    }

    private static JsonObject Metadata(string name, string? ns = null, JsonObject? annotations = null)
    {
        // Name first, as the API server writes ObjectMeta.
        var metadata = new JsonObject { ["name"] = name };
        if (ns is not null)
        {
            metadata["namespace"] = ns;
        }
        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["resourceVersion"] = "1042";
        metadata["creationTimestamp"] = "2026-11-01T09:00:00Z";
        if (annotations is not null)
        {
            metadata["annotations"] = annotations;
        }
        return metadata;
    }

    private static JsonObject List(string kind, string apiVersion, IEnumerable<JsonObject> items) => new()
    {
        ["kind"] = kind,
        ["apiVersion"] = apiVersion,
        ["metadata"] = new JsonObject { ["resourceVersion"] = "1042" },
        ["items"] = new JsonArray([.. items]),
    };

    private static IResult NotFound(string resource, string group, string name) =>
        Status(404, "NotFound", $"{resource}.{group} \"{name}\" not found");

    private static IResult NotFoundPath() => Status(404, "NotFound", "the server could not find the requested resource");

    private static IResult Status(int code, string reason, string message) => Results.Text(new JsonObject
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    }.ToJsonString(), "application/json", statusCode: code);

    private static IResult Json(JsonObject body) => Results.Text(body.ToJsonString(), "application/json");
}

/// <summary>What the fake cluster has: by default a MicroK8s node with every add-on the colo scripts check for.</summary>
public sealed class FakeCluster
{
    public HashSet<string> RuntimeClasses { get; } = ["kata", "nvidia"];

    public List<StorageClassInfo> StorageClasses { get; } = [new("microk8s-hostpath", IsDefault: true)];

    public List<string> IngressClasses { get; } = ["public", "nginx"];

    /// <summary>Ready replicas of kube-system/coredns; null when the Deployment does not exist.</summary>
    public int? CoreDnsReadyReplicas { get; set; } = 1;

    public int GpuCapacity { get; set; } = 1;

    public int GpuAllocatable { get; set; } = 1;

    /// <summary>What the registry answers to <c>GET /v2/</c>.</summary>
    public int RegistryStatus { get; set; } = StatusCodes.Status401Unauthorized;

    /// <summary>"namespace/service" (as the proxy path names it, e.g. <c>https:gateway:https</c>) answering /health.</summary>
    public HashSet<string> HealthyServices { get; } = [];
}

public sealed record StorageClassInfo(string Name, bool IsDefault);
