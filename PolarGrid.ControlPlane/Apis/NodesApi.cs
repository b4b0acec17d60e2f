using System.Text.RegularExpressions;
using PolarGrid.ControlPlane.Admin;
using PolarGrid.ControlPlane.Data;
using PolarGrid.ControlPlane.Routing;

namespace PolarGrid.ControlPlane.Apis;

/// <summary>A node as the admin API takes it. The colo comes from the body (POST) or the route (PUT).</summary>
public sealed record NodeRequest(string? Colo, string? Region, string? PublicUrl, double? Latitude, double? Longitude);

/// <summary>
/// The node registry: anyone may read it; adding, changing and removing nodes needs the admin key. Nodes never
/// register themselves. Every change republishes the routing table at once.
/// </summary>
public static partial class NodesApi
{
    public static IEndpointRouteBuilder MapNodesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/nodes");
        api.MapGet("/", ListNodes);
        api.MapGet("/{colo}", GetNode);
        api.MapPost("/", CreateNode).RequireAuthorization(AdminKeyAuthenticationHandler.PolicyName);
        api.MapPut("/{colo}", PutNode).RequireAuthorization(AdminKeyAuthenticationHandler.PolicyName);
        api.MapDelete("/{colo}", DeleteNode).RequireAuthorization(AdminKeyAuthenticationHandler.PolicyName);
        return app;
    }

    public static async Task<IResult> ListNodes(NodeRepository nodes, CancellationToken cancellationToken) =>
        Results.Ok(new { nodes = await nodes.ListAsync(cancellationToken) });

    public static async Task<IResult> GetNode(string colo, NodeRepository nodes, CancellationToken cancellationToken) =>
        await nodes.FindAsync(colo, cancellationToken) is { } node ? Results.Ok(node) : Results.NotFound();

    public static async Task<IResult> CreateNode(
        NodeRequest request, NodeRepository nodes, RoutingTablePublisher publisher, RoutingTableSource source,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (Validate(request, request.Colo) is { } errors)
        {
            return Results.ValidationProblem(errors);
        }
        var registration = ToRegistration(request, request.Colo!);
        if (!await nodes.InsertAsync(registration, cancellationToken))
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict,
                title: $"Node '{registration.Colo}' is already registered.", detail: "PUT /v1/nodes/{colo} changes it.");
        }
        loggers.CreateLogger(typeof(NodesApi)).LogInformation("Admin API registered node {Colo} at {PublicUrl}", registration.Colo, registration.PublicUrl);
        await PublishAsync(publisher, source, cancellationToken);
        return Results.Created($"/v1/nodes/{registration.Colo}", await nodes.FindAsync(registration.Colo, cancellationToken));
    }

    public static async Task<IResult> PutNode(
        string colo, NodeRequest request, NodeRepository nodes, RoutingTablePublisher publisher, RoutingTableSource source,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (request.Colo is { } bodyColo && bodyColo != colo)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["colo"] = ["The colo in the body differs from the one in the path."] });
        }
        if (Validate(request, colo) is { } errors)
        {
            return Results.ValidationProblem(errors);
        }
        var registration = ToRegistration(request, colo);
        var created = await nodes.UpsertAsync(registration, cancellationToken);
        loggers.CreateLogger(typeof(NodesApi)).LogInformation("Admin API {Action} node {Colo} at {PublicUrl}", created ? "registered" : "updated", colo, registration.PublicUrl);
        await PublishAsync(publisher, source, cancellationToken);
        var node = await nodes.FindAsync(colo, cancellationToken);
        return created ? Results.Created($"/v1/nodes/{colo}", node) : Results.Ok(node);
    }

    public static async Task<IResult> DeleteNode(
        string colo, NodeRepository nodes, RoutingTablePublisher publisher, RoutingTableSource source,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!await nodes.DeleteAsync(colo, cancellationToken))
        {
            return Results.NotFound();
        }
        loggers.CreateLogger(typeof(NodesApi)).LogInformation("Admin API removed node {Colo}", colo);
        await PublishAsync(publisher, source, cancellationToken);
        return Results.NoContent();
    }

    /// <summary>The change shows in this replica's table at once, and in the others' at their next poll.</summary>
    private static async Task PublishAsync(RoutingTablePublisher publisher, RoutingTableSource source, CancellationToken cancellationToken)
    {
        await publisher.PublishAsync(cancellationToken);
        await source.RefreshAsync(cancellationToken);
    }

    private static Dictionary<string, string[]>? Validate(NodeRequest request, string? colo)
    {
        var errors = new Dictionary<string, string[]>();
        if (colo is null || !ColoPattern().IsMatch(colo))
        {
            errors["colo"] = ["A colo is 2 to 32 characters: a lowercase letter, then lowercase letters, digits or hyphens."];
        }
        if (string.IsNullOrWhiteSpace(request.Region))
        {
            errors["region"] = ["A region is required."];
        }
        if (!Uri.TryCreate(request.PublicUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            errors["publicUrl"] = ["An absolute http or https URL is required."];
        }
        if (request.Latitude is < -90 or > 90 || request.Latitude is double.NaN)
        {
            errors["latitude"] = ["Latitude is between -90 and 90."];
        }
        if (request.Longitude is < -180 or > 180 || request.Longitude is double.NaN)
        {
            errors["longitude"] = ["Longitude is between -180 and 180."];
        }
        return errors.Count == 0 ? null : errors;
    }

    private static NodeRegistration ToRegistration(NodeRequest request, string colo) => new()
    {
        Colo = colo,
        Region = request.Region!.Trim(),
        PublicUrl = new Uri(request.PublicUrl!, UriKind.Absolute),
        Latitude = request.Latitude,
        Longitude = request.Longitude,
    };

    // The same rule as the nodes table's CHECK constraint.
    [GeneratedRegex("^[a-z][a-z0-9-]{1,31}$")]
    private static partial Regex ColoPattern();
}
