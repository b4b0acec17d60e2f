using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PolarGrid.Auth;
using PolarGrid.Gateway;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Gateway;

/// <summary>The gateway serves HTTPS only: a plain-HTTP address, including the one .NET container images set, stops it.</summary>
public sealed class GatewayTlsTests
{
    [Fact]
    public void The_container_images_plain_HTTP_port_stops_the_gateway_naming_it()
    {
        using var scratch = new ScratchDirectory("polargrid-tls");
        var error = Assert.Throws<InvalidOperationException>(() => GatewayApplication.Build(Settings(scratch, "--ASPNETCORE_HTTP_PORTS=8080")));
        Assert.Contains("ASPNETCORE_HTTP_PORTS=8080", error.Message);
        Assert.Contains("Tls:AllowPlainHttp", error.Message);
    }

    [Fact]
    public async Task With_that_port_cleared_as_the_manifests_do_it_serves_HTTPS_with_the_mounted_certificate()
    {
        using var scratch = new ScratchDirectory("polargrid-tls");
        await using var gateway = GatewayApplication.Build(Settings(scratch, "--ASPNETCORE_HTTP_PORTS="));
        await gateway.StartAsync();

        using var http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == "CN=polargrid-tls-test" },
        });
        using var alive = await http.GetAsync($"{gateway.Urls.Single()}/alive");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.StartsWith("https://", gateway.Urls.Single());
        await gateway.StopAsync();
    }

    private static string[] Settings(ScratchDirectory scratch, string httpPorts)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=polargrid-tls-test", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        var certificatePath = Path.Combine(scratch.Path, "tls.crt");
        var keyPath = Path.Combine(scratch.Path, "tls.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        Directory.CreateDirectory(Path.Combine(scratch.Path, "staging"));
        return
        [
            $"--urls=https://127.0.0.1:{FreePort.Next()}", httpPorts,
            $"--Tls:CertificatePath={certificatePath}", $"--Tls:KeyPath={keyPath}",
            "--Node:Colo=tls", $"--Node:StagingPath={Path.Combine(scratch.Path, "staging")}", $"--Node:DataPath={Path.Combine(scratch.Path, "data")}",
            "--Triton:Endpoint=http://127.0.0.1:1",
            "--Auth:SigningKeys:0:Kid=k", "--Auth:SigningKeys:0:Algorithm=HS256", $"--Auth:SigningKeys:0:Secret={SigningKeys.NewSecret()}",
        ];
    }
}
