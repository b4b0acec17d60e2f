using Microsoft.AspNetCore.Diagnostics;
using PolarGrid.ControlPlane.Routing;

namespace PolarGrid.ControlPlane.Apis;

/// <summary>
/// Endpoints that need Postgres (the registry and its admin API) answer 503 with a Retry-After while it is away,
/// instead of a 500: the outage is the database's, and retrying later is the right move.
/// </summary>
public sealed class DatabaseUnavailableHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!RoutingTableSource.IsDatabaseFailure(exception) || context.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        logger.LogWarning("{Method} {Path} needs Postgres, which does not answer: {Reason}",
            context.Request.Method, context.Request.Path, exception.Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The control plane's database is unavailable.",
                Detail = "Try again shortly. GET /v1/routing-table keeps answering meanwhile.",
            },
        });
    }
}
