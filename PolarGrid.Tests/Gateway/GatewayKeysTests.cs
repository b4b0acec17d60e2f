using PolarGrid.Auth;
using PolarGrid.Gateway;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Gateway;

/// <summary>A gateway is given public keys only: one handed the fleet's private key refuses to start, saying why.</summary>
public sealed class GatewayKeysTests
{
    [Fact]
    public void A_private_key_among_the_public_keys_stops_the_gateway()
    {
        using var scratch = new ScratchDirectory("polargrid-keys");
        var publicKey = Es256PrivateKey.PublicKeyPem(Es256PrivateKey.NewPem());
        var error = Assert.Throws<InvalidOperationException>(() =>
            GatewayApplication.Build(Settings(scratch, $"--Auth:PublicKeys={publicKey}\n{Es256PrivateKey.NewPem()}")));
        Assert.Contains("private key", error.Message);
        Assert.Contains("public keys only", error.Message);
    }

    [Fact]
    public void An_es256_key_entry_holding_a_private_key_stops_the_gateway()
    {
        using var scratch = new ScratchDirectory("polargrid-keys");
        var error = Assert.Throws<InvalidOperationException>(() => GatewayApplication.Build(Settings(scratch,
            "--Auth:SigningKeys:0:Kid=fleet", "--Auth:SigningKeys:0:Algorithm=ES256", $"--Auth:SigningKeys:0:KeyPem={Es256PrivateKey.NewPem()}")));
        Assert.Contains("'fleet'", error.Message);
        Assert.Contains("public keys only", error.Message);
    }

    [Fact]
    public void No_key_at_all_stops_the_gateway()
    {
        using var scratch = new ScratchDirectory("polargrid-keys");
        var error = Assert.Throws<InvalidOperationException>(() => GatewayApplication.Build(Settings(scratch)));
        Assert.Contains("Auth:PublicKeys", error.Message);
    }

    private static string[] Settings(ScratchDirectory scratch, params string[] auth) =>
    [
        $"--urls=http://127.0.0.1:{FreePort.Next()}", "--Tls:AllowPlainHttp=true",
        "--Node:Colo=keys", $"--Node:StagingPath={Path.Combine(scratch.Path, "staging")}", $"--Node:DataPath={Path.Combine(scratch.Path, "data")}",
        "--Triton:Endpoint=http://127.0.0.1:1",
        .. auth,
    ];
}
