using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using PolarGrid.HubServer;

namespace PolarGrid.Tests.HuggingFace;

/// <summary>What the local Hub saw of one request: which host (API or CDN), whether it carried a token or a range.</summary>
public sealed record RecordedRequest(bool Cdn, string Path, bool HasAuthorization, string? Range, int Status, long? ContentLength, string? ContentRange);

/// <summary>
/// Records every request at the server, ahead of all of the Hub's own middleware, so tests can prove what went over
/// the wire (no token at the CDN, a Range header on a resume) rather than trusting the client about it.
/// </summary>
public sealed class RequestRecorder : IStartupFilter
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public IReadOnlyList<RecordedRequest> CdnRequests => [.. _requests.Where(r => r.Cdn)];

    public IReadOnlyList<RecordedRequest> ApiRequests => [.. _requests.Where(r => !r.Cdn && !r.Path.StartsWith("/health", StringComparison.Ordinal))];

    public void Clear() => _requests.Clear();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var addresses = app.ApplicationServices.GetRequiredService<HubAddresses>();
        app.Use(async (context, nextMiddleware) =>
        {
            try
            {
                await nextMiddleware(context);
            }
            finally
            {
                var request = context.Request;
                _requests.Enqueue(new RecordedRequest(
                    addresses.IsCdnRequest(context),
                    // As sent (still percent-encoded), not as the server decoded it.
                    context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path + request.QueryString,
                    request.Headers.ContainsKey("Authorization"),
                    request.Headers.Range.Count > 0 ? request.Headers.Range.ToString() : null,
                    context.Response.StatusCode,
                    context.Response.ContentLength,
                    context.Response.Headers.ContentRange.Count > 0 ? context.Response.Headers.ContentRange.ToString() : null));
            }
        });
        next(app);
    };
}

/// <summary>
/// Answers for <c>test/renamed</c> with a relative 307 to <c>test/repo</c>, the way the Hub redirects a renamed repo,
/// which the local Hub does not model.
/// </summary>
public sealed class RenamedRepoRedirect : IStartupFilter
{
    public const string OldId = "test/renamed";
    public const string NewId = "test/repo";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            var path = context.Request.Path.Value ?? string.Empty;
            foreach (var prefix in new[] { $"/api/models/{OldId}/", $"/{OldId}/" })
            {
                if (path.StartsWith(prefix, StringComparison.Ordinal))
                {
                    context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                    context.Response.Headers.Location = prefix.Replace(OldId, NewId, StringComparison.Ordinal) + path[prefix.Length..] + context.Request.QueryString;
                    return;
                }
            }

            await nextMiddleware(context);
        });
        next(app);
    };
}
