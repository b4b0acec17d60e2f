namespace PolarGrid.Sidecar.Packages;

/// <summary>
/// A package that cannot be installed as it is. Its message is the result's reason, written for the person who
/// staged the package, so it names the file and what is wrong with it.
/// </summary>
public sealed class PackageRejectedException(string reason) : Exception(reason);
