namespace PolarGrid.AppHost.Kubernetes;

/// <summary>A key of a workload's Secret, and the environment variable a composed value reads it through.</summary>
public sealed record SecretReference(string Key)
{
    /// <summary>Kubernetes expands <c>$(NAME)</c> in a later variable's value from an earlier variable.</summary>
    public string VariableName { get; } = "POLARGRID_SECRET_" + new string([.. Key.ToUpperInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
}

/// <summary>
/// An environment or argument value as it will read on the cluster: plain text, or text that contains secrets as
/// <c>$(POLARGRID_SECRET_…)</c> references so that no secret value is ever written into a manifest.
/// </summary>
public sealed record ManifestValue(string Text, IReadOnlyList<SecretReference> Secrets)
{
    public static ManifestValue Literal(string text) => new(text, []);

    public static ManifestValue Secret(SecretReference secret) => new($"$({secret.VariableName})", [secret]);

    public bool IsLiteral => Secrets.Count == 0;

    /// <summary>The whole value is one secret: it can be a plain <c>secretKeyRef</c>.</summary>
    public SecretReference? SoleSecret => Secrets.Count == 1 && Text == $"$({Secrets[0].VariableName})" ? Secrets[0] : null;
}
