namespace PolarGrid.Auth;

/// <summary>Where the local fleet's token files live under its data root: the app host writes them, the CLI reads them.</summary>
public static class LocalFleetFiles
{
    /// <summary>The ES256 private key (PKCS#8 PEM, mode 600) the app host and <c>polargrid token</c> mint with.</summary>
    public static string PrivateKey(string dataRoot) => Path.Combine(dataRoot, "auth", "token-signing-key.pem");

    /// <summary>The token the app host mints at every start (mode 600).</summary>
    public static string Token(string dataRoot) => Path.Combine(dataRoot, "auth", "token");
}
