using System.Buffers.Text;
using System.Security.Cryptography;
using Aspire.Hosting.ApplicationModel;
using PolarGrid.AppHost.Kubernetes;

namespace PolarGrid.AppHost.Hosting;

/// <summary>
/// The control plane's secrets for the local fleet, generated once and kept under <c>&lt;DataRoot&gt;/controlplane</c>
/// like the fleet's token key: the ECDSA P-256 key that signs routing tables and the admin API's bearer key. The
/// public half of the signing key is written beside them (<c>routing-public.pem</c>) for local clients to pin.
/// Deployed control planes get both from a Kubernetes secret instead.
/// </summary>
public sealed class ControlPlaneSecrets
{
    /// <summary>The key id local routing tables are signed under.</summary>
    public const string SigningKeyId = "local";

    /// <summary>The key id deployed control planes sign under; clients pin its public key as <c>TrustedKeys:fleet</c>.</summary>
    public const string DeployedSigningKeyId = "fleet";

    public const string FolderName = "controlplane";
    public const string SigningKeyFile = "routing-signing-key.pem";
    public const string PublicKeyFile = "routing-public.pem";
    public const string AdminKeyFile = "admin-key";

    private ControlPlaneSecrets(IResourceBuilder<ParameterResource> signingKey, IResourceBuilder<ParameterResource> adminKey, string? folder, string keyId)
    {
        SigningKey = signingKey;
        AdminKey = adminKey;
        Folder = folder;
        KeyId = keyId;
    }

    /// <summary>The key id routing tables are signed under.</summary>
    public string KeyId { get; }

    public IResourceBuilder<ParameterResource> SigningKey { get; }

    public IResourceBuilder<ParameterResource> AdminKey { get; }

    /// <summary>Where the local keys live; null in publish mode.</summary>
    public string? Folder { get; }

    public static ControlPlaneSecrets Create(IDistributedApplicationBuilder builder, string dataRoot)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return new ControlPlaneSecrets(
                builder.AddParameter("controlplane-signing-key", secret: true).WithKubernetesSecretKey("routing-signing-key.pem"),
                builder.AddParameter("controlplane-admin-key", secret: true).WithKubernetesSecretKey("admin-key"),
                folder: null,
                DeployedSigningKeyId);
        }

        var folder = Path.Combine(dataRoot, FolderName);
        var signingKeyPem = LocalSecret.LoadOrCreate(Path.Combine(folder, SigningKeyFile), NewSigningKeyPem);
        var adminKey = LocalSecret.LoadOrCreate(Path.Combine(folder, AdminKeyFile),
            () => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)));

        // Not a secret: rewritten from the private key at every start, so it always matches it.
        using (var key = ECDsa.Create())
        {
            key.ImportFromPem(signingKeyPem);
            File.WriteAllText(Path.Combine(folder, PublicKeyFile), key.ExportSubjectPublicKeyInfoPem() + "\n");
        }

        return new ControlPlaneSecrets(
            builder.AddParameter("controlplane-signing-key", signingKeyPem, secret: true),
            builder.AddParameter("controlplane-admin-key", adminKey, secret: true),
            folder,
            SigningKeyId);
    }

    public static string NewSigningKeyPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>Gives the control plane its signing key, key id and admin key, as environment from secret parameters.</summary>
    public IResourceBuilder<T> Configure<T>(IResourceBuilder<T> controlPlane) where T : IResourceWithEnvironment =>
        controlPlane
            .WithEnvironment("ControlPlane__SigningKeyPem", SigningKey)
            .WithEnvironment("ControlPlane__SigningKeyId", KeyId)
            .WithEnvironment("ControlPlane__AdminKey", AdminKey);
}
