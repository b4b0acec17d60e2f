namespace PolarGrid.Client.Routing;

/// <summary>Addresses on a node, keeping any path the node's URL has (a gateway behind a path prefix).</summary>
internal static class NodeUris
{
    /// <summary><paramref name="node"/> with <paramref name="relative"/> (no leading slash) appended to its path.</summary>
    public static Uri Combine(Uri node, string relative) =>
        new(WithTrailingSlash(node), relative);

    /// <summary>The request's path and query moved onto the node, both already escaped, so nothing is escaped twice.</summary>
    public static Uri Rebase(Uri node, Uri request) =>
        new(node.GetLeftPart(UriPartial.Authority) + node.AbsolutePath.TrimEnd('/') + request.PathAndQuery, UriKind.Absolute);

    public static Uri WithTrailingSlash(Uri url) =>
        url.AbsolutePath.EndsWith('/') ? url : new Uri(url.GetLeftPart(UriPartial.Path) + "/" + url.Query, UriKind.Absolute);
}
