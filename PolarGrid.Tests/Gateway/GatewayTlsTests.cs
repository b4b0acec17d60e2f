using System.Net;
using PolarGrid.Auth;
using PolarGrid.Gateway;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Gateway;

/// <summary>The gateway serves HTTPS only: a plain-HTTP address, including the one .NET container images set, stops it.</summary>
public sealed class GatewayTlsTests
{
    private const string Subject = "CN=polargrid-tls-test";

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

        using var http = TestCertificate.ClientTrusting(Subject);
        using var alive = await http.GetAsync($"{gateway.Urls.Single()}/alive");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.StartsWith("https://", gateway.Urls.Single());

        // Kestrel's own rejection of an unparseable request, inside TLS, carries an OpenAI error body.
        var address = new Uri(gateway.Urls.Single());
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync(address.Host, address.Port);
            using var tls = new System.Net.Security.SslStream(tcp.GetStream());
            await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = [System.Net.Security.SslApplicationProtocol.Http11],
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == Subject,
            });
            await tls.WriteAsync("GARBAGE\r\n\r\n"u8.ToArray());
            using var reader = new StreamReader(tls);
            var response = await reader.ReadToEndAsync();
            Assert.StartsWith("HTTP/1.1 400", response);
            Assert.Contains("\"error\"", response);
        }
        await gateway.StopAsync();
    }

    private static string[] Settings(ScratchDirectory scratch, string httpPorts)
    {
        var certificate = TestCertificate.Write(Path.Combine(scratch.Path, "tls"), Subject);
        Directory.CreateDirectory(Path.Combine(scratch.Path, "staging"));
        return
        [
            $"--urls=https://127.0.0.1:{FreePort.Next()}", httpPorts,
            $"--Tls:CertificatePath={certificate.CertificatePath}", $"--Tls:KeyPath={certificate.KeyPath}",
            "--Node:Colo=tls", $"--Node:StagingPath={Path.Combine(scratch.Path, "staging")}", $"--Node:DataPath={Path.Combine(scratch.Path, "data")}",
            "--Triton:Endpoint=http://127.0.0.1:1",
            "--Auth:SigningKeys:0:Kid=k", "--Auth:SigningKeys:0:Algorithm=HS256", $"--Auth:SigningKeys:0:Secret={SigningKeys.NewSecret()}",
        ];
    }
}
