using System.Security.Cryptography.X509Certificates;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace PolarGrid.Gateway.Hosting;

public static class KestrelTlsExtensions
{
    /// <summary>
    /// Serves HTTPS (HTTP/1.1 and HTTP/2) with the configured certificate, and refuses to start on a plain HTTP address
    /// unless plain HTTP is explicitly allowed.
    /// </summary>
    public static WebApplicationBuilder AddGatewayTls(this WebApplicationBuilder builder, long maxRequestBodyBytes)
    {
        var tls = builder.Configuration.GetSection(TlsOptions.SectionName).Get<TlsOptions>() ?? new TlsOptions();
        var urls = (builder.Configuration["urls"] ?? builder.Configuration["ASPNETCORE_URLS"] ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var plain = urls.Where(url => url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)).ToList();
        if (builder.Configuration["ASPNETCORE_HTTP_PORTS"] is { Length: > 0 } httpPorts)
        {
            // The .NET container images set it (8080); a deployment clears it, as the emitted manifests do.
            plain.Add($"ASPNETCORE_HTTP_PORTS={httpPorts}");
        }
        if (!tls.AllowPlainHttp && plain.Count > 0)
        {
            throw new InvalidOperationException(
                $"Plain HTTP address(es) {string.Join(", ", plain)} are configured but Tls:AllowPlainHttp is false. " +
                "Serve HTTPS with Tls:CertificatePath and Tls:KeyPath, or allow plain HTTP for local use only.");
        }

        X509Certificate2? certificate = null;
        if (!string.IsNullOrEmpty(tls.CertificatePath))
        {
            certificate = string.IsNullOrEmpty(tls.KeyPath)
                ? X509CertificateLoader.LoadPkcs12FromFile(tls.CertificatePath, password: null)
                : X509Certificate2.CreateFromPemFile(tls.CertificatePath, tls.KeyPath);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = maxRequestBodyBytes;
            // A client that has not sent its headers within 10 s is gone or an attack (slow headers), not a caller.
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http1AndHttp2);
            if (certificate is not null)
            {
                kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate);
            }
            // The configured addresses are bound here rather than by Kestrel from `urls`, so that the rejection-body
            // middleware sits inside TLS, where it sees HTTP.
            foreach (var url in urls)
            {
                Listen(kestrel, BindingAddress.Parse(url), certificate);
            }
        });
        if (urls.Length > 0)
        {
            builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, "");
        }
        return builder;
    }

    private static void Listen(KestrelServerOptions kestrel, BindingAddress address, X509Certificate2? certificate)
    {
        void Configure(ListenOptions listen)
        {
            if (address.Scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
            {
                if (certificate is null)
                {
                    listen.UseHttps(); // The development certificate, as Kestrel would pick for an https URL.
                }
                else
                {
                    listen.UseHttps(certificate);
                }
            }
            listen.UseKestrelRejectionBodies();
        }

        if (address.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(address.Port, Configure);
        }
        else if (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip))
        {
            kestrel.Listen(ip, address.Port, Configure);
        }
        else
        {
            // "+", "*" or a host name: every interface, as Kestrel binds them.
            kestrel.ListenAnyIP(address.Port, Configure);
        }
    }
}
