namespace PolarGrid.Tests.Deploy;

/// <summary>
/// A small kustomize tree shaped like the emitter's contract (docs/deploy.md): per colo the two namespaces, the gateway
/// and triton Deployments, the gateway's Service and Ingress, and secretGenerators that read the contract's git-ignored
/// secret files; the control plane's namespace, Deployment, StatefulSet and secrets. The tests deploy it through
/// --overlay-root, so they do not depend on the emitter.
/// </summary>
public static class TestOverlay
{
    public static string PublicHost(string colo) => $"{colo}.polargrid.example";

    public static void WriteColo(string root, string colo)
    {
        var gateway = $"polargrid-{colo}-gateway";
        var triton = $"polargrid-{colo}-triton";
        Write(root, $"colos/{colo}/kustomization.yaml", $$"""
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
            - namespaces.yaml
            - gateway.yaml
            - triton.yaml
            generatorOptions:
              disableNameSuffixHash: true
            secretGenerator:
            - name: gateway-auth
              namespace: {{gateway}}
              files:
              - token-public-keys.pem=gateway/secrets/token-public-keys.pem
              - hf-token=gateway/secrets/hf-token
            - name: gateway-tls
              namespace: {{gateway}}
              type: kubernetes.io/tls
              files:
              - tls.crt=gateway/secrets/tls.crt
              - tls.key=gateway/secrets/tls.key
            """);
        Write(root, $"colos/{colo}/namespaces.yaml", $$"""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: {{gateway}}
            ---
            apiVersion: v1
            kind: Namespace
            metadata:
              name: {{triton}}
            """);
        Write(root, $"colos/{colo}/gateway.yaml", $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: gateway
              namespace: {{gateway}}
            spec:
              selector:
                matchLabels: {app: gateway}
              template:
                metadata:
                  labels: {app: gateway}
                spec:
                  runtimeClassName: kata
                  containers:
                  - name: gateway
                    image: polargrid/gateway:emitted
                    ports:
                    - name: https
                      containerPort: 8443
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: gateway
              namespace: {{gateway}}
            spec:
              selector: {app: gateway}
              ports:
              - name: https
                port: 443
                targetPort: 8443
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: gateway
              namespace: {{gateway}}
            spec:
              ingressClassName: public
              tls:
              - hosts: [{{PublicHost(colo)}}]
                secretName: gateway-tls
              rules:
              - host: {{PublicHost(colo)}}
                http:
                  paths:
                  - path: /
                    pathType: Prefix
                    backend:
                      service:
                        name: gateway
                        port: {name: https}
            """);
        Write(root, $"colos/{colo}/triton.yaml", $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: triton
              namespace: {{triton}}
            spec:
              selector:
                matchLabels: {app: triton}
              template:
                metadata:
                  labels: {app: triton}
                spec:
                  runtimeClassName: nvidia
                  containers:
                  - name: triton
                    image: nvcr.io/nvidia/tritonserver:26.09-py3
                    resources:
                      limits: {nvidia.com/gpu: 1}
                  - name: sidecar
                    image: polargrid/sidecar:emitted
            """);
    }

    public static void WriteControlPlane(string root)
    {
        Write(root, "controlplane/kustomization.yaml", """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            namespace: polargrid-control
            resources:
            - controlplane.yaml
            secretGenerator:
            - name: controlplane-secrets
              files:
              - routing-signing-key.pem=secrets/routing-signing-key.pem
              - admin-key=secrets/admin-key
            - name: postgres-secrets
              files:
              - postgres-password=secrets/postgres-password
            - name: controlplane-tls
              type: kubernetes.io/tls
              files:
              - tls.crt=secrets/tls.crt
              - tls.key=secrets/tls.key
            """);
        Write(root, "controlplane/controlplane.yaml", """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: polargrid-control
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: postgres
            spec:
              serviceName: postgres
              selector:
                matchLabels: {app: postgres}
              template:
                metadata:
                  labels: {app: postgres}
                spec:
                  containers:
                  - name: postgres
                    image: docker.io/library/postgres:17
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: controlplane
            spec:
              replicas: 2
              selector:
                matchLabels: {app: controlplane}
              template:
                metadata:
                  labels: {app: controlplane}
                spec:
                  containers:
                  - name: controlplane
                    image: polargrid/controlplane:emitted
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: controlplane
            spec:
              selector: {app: controlplane}
              ports:
              - name: http
                port: 80
                targetPort: 8080
            """);
    }

    private static void Write(string root, string relative, string content)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content + "\n");
    }
}
