namespace PolarGrid.InferenceServer.Models;

/// <summary>A model's state as Triton's repository index spells it.</summary>
public static class ModelState
{
    public const string Unknown = "UNKNOWN";
    public const string Ready = "READY";
    public const string Unavailable = "UNAVAILABLE";
    public const string Loading = "LOADING";
    public const string Unloading = "UNLOADING";
}
