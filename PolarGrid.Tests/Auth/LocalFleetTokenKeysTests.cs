using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using PolarGrid.AppHost.Hosting;
using PolarGrid.Auth;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Auth;

/// <summary>
/// The local fleet's token keys: the app host keeps the ES256 private key under the data root and mints the local token
/// with it; gateways are given the public key and nothing that could mint.
/// </summary>
public sealed class LocalFleetTokenKeysTests
{
    [Fact]
    public async Task Gateways_get_the_public_key_only_and_the_local_token_verifies_with_it()
    {
        using var dataRoot = new ScratchDirectory();
        Directory.CreateDirectory(Path.Combine(dataRoot.Path, "auth"));
        var retired = Path.Combine(dataRoot.Path, "auth", "signing-key");
        File.WriteAllText(retired, SigningKeys.NewSecret());

        var gateways = await GatewayEnvironmentsAsync(dataRoot.Path);
        Assert.Equal(["yul-gateway", "yvr-gateway", "yyz-gateway"], gateways.Keys.Order());
        var publicKeys = new HashSet<string>();
        foreach (var (_, environment) in gateways)
        {
            var parameter = Assert.IsType<ParameterResource>(environment["Auth__PublicKeys"]);
            publicKeys.Add((await parameter.GetValueAsync(CancellationToken.None))!);
            Assert.Equal(FleetAuth.Issuer, environment["Auth__Issuer"]);
            Assert.DoesNotContain(environment.Keys, name => name.StartsWith("Auth__SigningKeys", StringComparison.Ordinal));
            foreach (var value in environment.Values)
            {
                var text = value is ParameterResource p ? await p.GetValueAsync(CancellationToken.None) : value as string;
                Assert.DoesNotContain("PRIVATE KEY", text ?? "");
            }
        }
        var publicKey = Assert.Single(publicKeys);
        Assert.Equal([PemBlocks.PublicKeyLabel], PemBlocks.Read(publicKey).Select(block => block.Label));

        var privateKeyPath = LocalFleetFiles.PrivateKey(dataRoot.Path);
        var privateKey = File.ReadAllText(privateKeyPath);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", privateKey);
        Assert.Equal(publicKey.Trim(), Es256PrivateKey.PublicKeyPem(privateKey).Trim());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(privateKeyPath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(LocalFleetFiles.Token(dataRoot.Path)));
        }
        Assert.False(File.Exists(retired), "the HS256 secret earlier versions shared with gateways is removed");

        // The token the app host wrote is ES256, verified as a gateway verifies it: with the public key, by kid.
        var token = File.ReadAllText(LocalFleetFiles.Token(dataRoot.Path));
        var key = Assert.Single(SigningKeys.Build(new JwtAuthOptions { PublicKeys = publicKey }));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = FleetAuth.Issuer,
            ValidAudience = FleetAuth.Audience,
            IssuerSigningKey = key.Key,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal(key.Kid, ((JsonWebToken)result.SecurityToken).Kid);

        // The key is kept across runs (tokens minted earlier stay valid); the token is minted afresh.
        var again = await GatewayEnvironmentsAsync(dataRoot.Path);
        Assert.Equal(publicKey, await ((ParameterResource)again["yvr-gateway"]["Auth__PublicKeys"]).GetValueAsync(CancellationToken.None));
        Assert.Equal(privateKey, File.ReadAllText(privateKeyPath));
    }

    private static async Task<Dictionary<string, Dictionary<string, object>>> GatewayEnvironmentsAsync(string dataRoot)
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.PolarGrid_AppHost>(
            ["--PolarGrid:Runtime=processes", $"--PolarGrid:DataRoot={dataRoot}"]);
        var environments = new Dictionary<string, Dictionary<string, object>>();
        foreach (var gateway in builder.Resources.Where(resource => resource.Name.EndsWith("-gateway", StringComparison.Ordinal)))
        {
            var environment = new Dictionary<string, object>();
            var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), environment);
            foreach (var callback in gateway.Annotations.OfType<EnvironmentCallbackAnnotation>())
            {
                await callback.Callback(context);
            }
            environments[gateway.Name] = environment;
        }
        return environments;
    }
}
