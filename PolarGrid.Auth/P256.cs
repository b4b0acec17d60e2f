using System.Security.Cryptography;

namespace PolarGrid.Auth;

/// <summary>ES256 is ECDSA on P-256 with SHA-256: a key on any other curve is not an ES256 key.</summary>
internal static class P256
{
    public static bool Is(ECDsa key) =>
        key.ExportParameters(includePrivateParameters: false).Curve is { IsNamed: true } curve
        && curve.Oid.Value == ECCurve.NamedCurves.nistP256.Oid.Value;
}
