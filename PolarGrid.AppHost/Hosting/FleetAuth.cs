using Aspire.Hosting.ApplicationModel;
using PolarGrid.AppHost.Kubernetes;
using PolarGrid.Auth;

namespace PolarGrid.AppHost.Hosting;

/// <summary>
/// The fleet's token keys. Gateways are only ever given ES256 <em>public</em> keys, so no gateway — the internet-facing
/// part of a node — holds anything that could mint a token for the fleet. Locally the app host keeps the private key
/// under the data root and mints the token for the person running the fleet; deployed gateways get the operator's
/// public keys from a Kubernetes secret input, and nothing is generated or minted here.
/// </summary>
public sealed class FleetAuth
{
    public const string Issuer = "polargrid-local";
    public const string Audience = "polargrid-gateway";

    /// <summary>What deployed gateways check: tokens for a real fleet are not the local fleet's (<c>polargrid token --issuer polargrid --key …</c>).</summary>
    public const string DeployedIssuer = "polargrid";

    /// <summary>The Secret key (and ignored input file) deployed gateways read their public keys from.</summary>
    public const string PublicKeysSecretKey = "token-public-keys.pem";

    /// <summary>The HS256 secret earlier versions shared with every local gateway; no gateway accepts it any more.</summary>
    private const string RetiredSecretFile = "signing-key";

    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(12);

    private FleetAuth(IResourceBuilder<ParameterResource> publicKeys, string issuer, string localToken, string? tokenPath)
    {
        PublicKeys = publicKeys;
        AcceptedIssuer = issuer;
        LocalToken = localToken;
        TokenPath = tokenPath;
    }

    /// <summary>The issuer the gateways accept.</summary>
    public string AcceptedIssuer { get; }

    /// <summary>The public keys the gateways verify tokens with (PEM, one block per key).</summary>
    public IResourceBuilder<ParameterResource> PublicKeys { get; }

    /// <summary>A token with every scope, for <c>curl</c> and the OpenAI SDK against the local gateways; empty when publishing.</summary>
    public string LocalToken { get; }

    /// <summary>Where <see cref="LocalToken"/> is written; null when publishing.</summary>
    public string? TokenPath { get; }

    public static FleetAuth Create(IDistributedApplicationBuilder builder, string dataRoot)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            // A secret input, though it holds public keys only: it is where an operator's keys reach a cluster, and it
            // must never be a value in the committed manifests (each fleet has its own).
            var deployedKeys = builder.AddParameter("gateway-token-public-keys", secret: true).WithKubernetesSecretKey(PublicKeysSecretKey);
            return new FleetAuth(deployedKeys, DeployedIssuer, "", tokenPath: null);
        }

        var privateKeyPath = LocalFleetFiles.PrivateKey(dataRoot);
        var privateKeyPem = LocalSecret.LoadOrCreate(privateKeyPath, Es256PrivateKey.NewPem);
        File.Delete(Path.Combine(Path.GetDirectoryName(privateKeyPath)!, RetiredSecretFile));

        var token = TokenIssuer.Mint(new JwtAuthOptions { Issuer = Issuer, Audience = Audience }, Es256PrivateKey.Load(privateKeyPem),
            "local-operator", [Scopes.Inference, Scopes.ModelsAdmin], TokenLifetime);
        var tokenPath = LocalFleetFiles.Token(dataRoot);
        LocalSecret.Write(tokenPath, token);

        // Not a secret: the dashboard may show it.
        var publicKeys = builder.AddParameter("gateway-token-public-keys", Es256PrivateKey.PublicKeyPem(privateKeyPem));
        return new FleetAuth(publicKeys, Issuer, token, tokenPath);
    }

    /// <summary>Gives a gateway the public keys and the issuer and audience it checks.</summary>
    public IResourceBuilder<T> Configure<T>(IResourceBuilder<T> gateway) where T : IResourceWithEnvironment =>
        gateway
            .WithEnvironment("Auth__Issuer", AcceptedIssuer)
            .WithEnvironment("Auth__Audience", Audience)
            .WithEnvironment("Auth__PublicKeys", PublicKeys);
}
