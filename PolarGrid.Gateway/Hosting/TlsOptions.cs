namespace PolarGrid.Gateway.Hosting;

/// <summary>TLS termination in Kestrel. Bound from the <c>Tls</c> section.</summary>
public sealed class TlsOptions
{
    public const string SectionName = "Tls";

    /// <summary>PEM certificate (chain) file, e.g. a mounted Kubernetes TLS secret's <c>tls.crt</c>.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key file (<c>tls.key</c>).</summary>
    public string? KeyPath { get; set; }

    /// <summary>Plain HTTP endpoints are refused unless this is set (the local fleet sets it).</summary>
    public bool AllowPlainHttp { get; set; }
}
