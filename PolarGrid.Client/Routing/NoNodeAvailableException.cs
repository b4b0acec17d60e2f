namespace PolarGrid.Client.Routing;

/// <summary>
/// No node can take the request: none serves the model, every one that does is ejected, or there is no usable table.
/// An <see cref="HttpRequestException"/> so callers and SDKs treat it like any failure to reach a server.
/// </summary>
public sealed class NoNodeAvailableException(string? model, string message) : HttpRequestException(message)
{
    /// <summary>The model the request asked for; null when the request named none.</summary>
    public string? Model { get; } = model;
}
