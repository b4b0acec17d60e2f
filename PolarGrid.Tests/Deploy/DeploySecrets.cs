using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PolarGrid.Tests.Deploy;

/// <summary>
/// Fresh secret inputs for one test (random, so finding one in a script's output can only mean it was printed), and the
/// files some of them are given as.
/// </summary>
public sealed class DeploySecrets
{
    public DeploySecrets(string folder)
    {
        Folder = folder;
        Directory.CreateDirectory(folder);

        using var tlsKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=yvr.polargrid.example", tlsKey, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        TlsCertificatePem = certificate.ExportCertificatePem();
        TlsKeyPem = tlsKey.ExportPkcs8PrivateKeyPem();

        using var routingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        RoutingKeyPem = routingKey.ExportPkcs8PrivateKeyPem();

        // Two token keys, as during a rotation; only their public halves are inputs.
        using var current = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        TokenPublicKeysPem = $"{current.ExportSubjectPublicKeyInfoPem()}\n{next.ExportSubjectPublicKeyInfoPem()}\n";
        TokenPrivateKeyPem = current.ExportPkcs8PrivateKeyPem();
    }

    public string Folder { get; }

    public string HfToken { get; } = Random("hf");

    public string AdminKey { get; } = Random("admin");

    public string PostgresPassword { get; } = Random("pg");

    public string TlsCertificatePem { get; }

    public string TlsKeyPem { get; }

    public string RoutingKeyPem { get; }

    /// <summary>The gateways' token public keys (not a secret, but an input like the others).</summary>
    public string TokenPublicKeysPem { get; }

    /// <summary>The private half of the first token key: what the operator keeps and must never hand a deploy.</summary>
    public string TokenPrivateKeyPem { get; }

    /// <summary>Every value, and each line of the PEM keys' base64, none of which may ever be printed.</summary>
    public IEnumerable<string> NeverPrinted =>
        new[] { HfToken, AdminKey, PostgresPassword }
            .Concat(new[] { TlsKeyPem, RoutingKeyPem, TokenPrivateKeyPem }.SelectMany(pem => pem.Split('\n'))
                .Where(line => line.Length >= 16 && !line.StartsWith("-----", StringComparison.Ordinal)))
            .Concat(new[] { AdminKey, PostgresPassword }.Select(value =>
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value))));

    /// <summary>Writes <paramref name="content"/> as <paramref name="name"/> in <see cref="Folder"/> and returns its path.</summary>
    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(Folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private static string Random(string prefix) => $"{prefix}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(16))}";
}
