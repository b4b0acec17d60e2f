using Microsoft.Net.Http.Headers;
using PolarGrid.ControlPlane.Routing;
using PolarGrid.Routing;

namespace PolarGrid.ControlPlane.Apis;

public static class RoutingTableApi
{
    public static IEndpointRouteBuilder MapRoutingTableApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/routing-table");
        api.MapGet("/", GetRoutingTable);
        api.MapGet("/keys", GetKeys);
        return app;
    }

    /// <summary>
    /// The signed table from memory (never a database round trip), with a weak ETag of its version; a matching
    /// <c>If-None-Match</c> gets 304. Clients must revalidate (<c>no-cache</c>) but may keep and verify what they have.
    /// </summary>
    public static IResult GetRoutingTable(HttpContext context, RoutingTableSource source)
    {
        if (source.Current is not { } served)
        {
            context.Response.Headers.RetryAfter = "1";
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "No routing table is available yet.", detail: "This replica has not read a routing table from its database yet.");
        }

        var headers = context.Response.GetTypedHeaders();
        headers.ETag = served.ETag;
        headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
        var ifNoneMatch = context.Request.GetTypedHeaders().IfNoneMatch;
        if (ifNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(served.ETag, useStrongComparison: false)))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }
        return Results.Bytes(served.Body, "application/json");
    }

    /// <summary>The public keys tables are signed with, by key id, for clients to pin.</summary>
    public static IResult GetKeys(RoutingKeyRing keys) =>
        Results.Json(new RoutingTableKeys(SignedRoutingTable.EcdsaP256Sha256, keys.KeyId, keys.PublicKeys),
            RoutingKeysJsonContext.Default.RoutingTableKeys);
}
