namespace PolarGrid.Conversion;

/// <summary>Placeholder replaced by the conversion implementation.</summary>
internal static class AssemblyMarker;
