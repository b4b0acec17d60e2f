using Microsoft.AspNetCore.Routing.Template;
using PolarGrid.Gateway.OpenAI;

namespace PolarGrid.Gateway.Hosting;

/// <summary>
/// What the gateway answers for a request no endpoint takes: 405 with <c>Allow</c> when the path is a known route
/// asked with another method (the fallback endpoint would otherwise make it a 404), else 404; both as OpenAI errors.
/// </summary>
public sealed class UnmatchedRouteHandler(EndpointDataSource endpoints)
{
    private IReadOnlyList<(TemplateMatcher Matcher, IReadOnlyList<string> Methods)>? _routes;

    public IResult Handle(HttpContext context)
    {
        var allowed = Routes()
            .Where(route => route.Matcher.TryMatch(context.Request.Path, new RouteValueDictionary()))
            .SelectMany(route => route.Methods)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (allowed.Count == 0)
        {
            return new OpenAIException(StatusCodes.Status404NotFound, "Unknown endpoint.", "invalid_request_error", null, "unknown_url").ToResult();
        }
        context.Response.Headers.Allow = string.Join(", ", allowed);
        return new OpenAIException(StatusCodes.Status405MethodNotAllowed,
            $"{context.Request.Method} is not allowed on {context.Request.Path}; use {string.Join(" or ", allowed)}.",
            "invalid_request_error", null, "method_not_allowed").ToResult();
    }

    // Built on first use: every endpoint is mapped by then.
    private IReadOnlyList<(TemplateMatcher Matcher, IReadOnlyList<string> Methods)> Routes() =>
        _routes ??= endpoints.Endpoints.OfType<RouteEndpoint>()
            .Select(endpoint => (endpoint, methods: endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods))
            .Where(route => route.methods is { Count: > 0 } && route.endpoint.RoutePattern.RawText is not null)
            .Select(route => (new TemplateMatcher(TemplateParser.Parse(route.endpoint.RoutePattern.RawText!), new RouteValueDictionary()), route.methods!))
            .ToList();
}
