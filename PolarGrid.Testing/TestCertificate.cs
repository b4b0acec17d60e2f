using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PolarGrid.Testing;

/// <summary>A self-signed certificate written as the PEM pair a Kubernetes TLS secret mounts (<c>tls.crt</c>, <c>tls.key</c>).</summary>
public sealed record TestCertificate(string Subject, string CertificatePath, string KeyPath)
{
    public static TestCertificate Write(string directory, string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        Directory.CreateDirectory(directory);
        var written = new TestCertificate(subject, Path.Combine(directory, "tls.crt"), Path.Combine(directory, "tls.key"));
        File.WriteAllText(written.CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(written.KeyPath, key.ExportPkcs8PrivateKeyPem());
        return written;
    }

    /// <summary>A client that trusts exactly this certificate's subject.</summary>
    public HttpClient CreateClient(Uri? baseAddress = null) => ClientTrusting(Subject, baseAddress);

    /// <summary>A handler that trusts exactly this certificate's subject.</summary>
    public SocketsHttpHandler CreateHandler() => HandlerTrusting(Subject);

    /// <summary>A client that trusts a server certificate with exactly this subject, and no other.</summary>
    public static HttpClient ClientTrusting(string subject, Uri? baseAddress = null) => new(HandlerTrusting(subject)) { BaseAddress = baseAddress };

    private static SocketsHttpHandler HandlerTrusting(string subject) => new()
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == subject },
    };
}
