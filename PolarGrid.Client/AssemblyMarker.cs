namespace PolarGrid.Client;

/// <summary>Placeholder replaced by the client-side router.</summary>
internal static class AssemblyMarker;
