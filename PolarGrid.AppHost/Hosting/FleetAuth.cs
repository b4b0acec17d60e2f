using Aspire.Hosting.ApplicationModel;
using PolarGrid.AppHost.Kubernetes;
using PolarGrid.Auth;

namespace PolarGrid.AppHost.Hosting;

/// <summary>
/// The local fleet's token setup: one HMAC signing key shared by every gateway (generated once, kept under the data
/// root), and a token minted with it for the person running the fleet.
/// </summary>
public sealed class FleetAuth
{
    public const string Issuer = "polargrid-local";
    public const string Audience = "polargrid-gateway";
    public const string KeyId = "local";

    /// <summary>What deployed gateways check: tokens for a real fleet are not the local fleet's (<c>polargrid token --issuer polargrid --kid fleet</c>).</summary>
    public const string DeployedIssuer = "polargrid";
    public const string DeployedKeyId = "fleet";

    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(12);

    private FleetAuth(IResourceBuilder<ParameterResource> signingKey, string localToken, string issuer, string keyId)
    {
        SigningKey = signingKey;
        LocalToken = localToken;
        AcceptedIssuer = issuer;
        SigningKeyId = keyId;
    }

    /// <summary>The issuer the gateways accept.</summary>
    public string AcceptedIssuer { get; }

    /// <summary>The <c>kid</c> of the gateways' signing key.</summary>
    public string SigningKeyId { get; }

    public IResourceBuilder<ParameterResource> SigningKey { get; }

    /// <summary>A token with every scope, for <c>curl</c> and the OpenAI SDK against the local gateways.</summary>
    public string LocalToken { get; }

    public static FleetAuth Create(IDistributedApplicationBuilder builder, string dataRoot)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            // Deployed gateways get their keys from a Kubernetes secret; nothing is generated or minted here.
            return new FleetAuth(builder.AddParameter("gateway-signing-key", secret: true).WithKubernetesSecretKey("jwt-signing-key"), "",
                DeployedIssuer, DeployedKeyId);
        }

        var secret = LocalSecret.LoadOrCreate(Path.Combine(dataRoot, "auth", "signing-key"), SigningKeys.NewSecret);
        var signingKey = builder.AddParameter("gateway-signing-key", secret, secret: true);

        var options = new JwtAuthOptions { Issuer = Issuer, Audience = Audience };
        var key = SigningKeys.Build(new SigningKeyOptions { Kid = KeyId, Algorithm = "HS256", Secret = secret });
        var token = TokenIssuer.Mint(options, key, "local-operator", [Scopes.Inference, Scopes.ModelsAdmin], TokenLifetime);
        return new FleetAuth(signingKey, token, Issuer, KeyId);
    }

    /// <summary>Gives a gateway the key and the issuer and audience it checks.</summary>
    public IResourceBuilder<T> Configure<T>(IResourceBuilder<T> gateway) where T : IResourceWithEnvironment =>
        gateway
            .WithEnvironment("Auth__Issuer", AcceptedIssuer)
            .WithEnvironment("Auth__Audience", Audience)
            .WithEnvironment("Auth__SigningKeys__0__Kid", SigningKeyId)
            .WithEnvironment("Auth__SigningKeys__0__Algorithm", "HS256")
            .WithEnvironment("Auth__SigningKeys__0__Secret", SigningKey);
}
