namespace PolarGrid.Auth;

/// <summary>The scopes a PolarGrid token carries in its <c>scope</c> claim (space separated).</summary>
public static class Scopes
{
    public const string Inference = "inference";
    public const string ModelsAdmin = "models:admin";
}
