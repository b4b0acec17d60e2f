namespace PolarGrid.HuggingFace;

/// <summary>Placeholder replaced by the Hub client implementation.</summary>
internal static class AssemblyMarker;
