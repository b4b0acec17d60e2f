using System.Net;
using System.Net.Http.Headers;

namespace PolarGrid.HuggingFace;

/// <summary>
/// One GET against the Hub, redirects followed by hand: the token goes only to the Hub's own host (relative
/// redirects of renamed repos stay there), never to the CDN host of a signed LFS link. Failures worth a retry come
/// back as <see cref="HubTransientException"/>; everything else as <see cref="HubException"/>.
/// </summary>
internal sealed class HubHttp(HttpClient http, HubClientOptions options, HubUrls urls, HubErrorMapper errors, TimeProvider time)
{
    // A renamed repo plus the CDN hop is two; more means a loop.
    private const int MaxRedirects = 5;

    /// <summary>Returns a 2xx (or, for a range request, 416) response with only its headers read; the caller owns it.</summary>
    /// <param name="rangeFrom">When positive, asks for the bytes from there on (a resume); the answer may still be a whole 200.</param>
    public async Task<HttpResponseMessage> GetAsync(Uri url, HubTarget target, long rangeFrom, CancellationToken cancellationToken)
    {
        var current = url;
        for (var redirects = 0; ; redirects++)
        {
            var response = await SendOnceAsync(current, rangeFrom, cancellationToken);
            // A refused range is the caller's to handle: it restarts from byte zero.
            if (response.IsSuccessStatusCode || (rangeFrom > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable))
            {
                return response;
            }

            using (response)
            {
                if (!IsRedirect(response.StatusCode))
                {
                    throw errors.Map(response, current, target);
                }

                current = NextHop(current, response.Headers.Location, redirects, target);
            }
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Uri url, long rangeFrom, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (rangeFrom > 0)
        {
            request.Headers.Range = new RangeHeaderValue(rangeFrom, null);
        }

        // Per request, never in DefaultRequestHeaders: whether a hop may see the token depends on its host.
        if (options.HasToken && urls.IsHub(url))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
        }

        // Bounds the wait for headers only; with ResponseHeadersRead the body is read (and timed) by the caller.
        using var timeout = new CancellationTokenSource(options.RequestTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new HubTransientException($"no response from {url.Host} within {options.RequestTimeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException error) when (error.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            // A certificate problem does not go away on retry.
            throw new HubException(HubErrorKind.Unreachable, $"The TLS connection to {url.Host} failed: {error.Message}", innerException: error);
        }
        catch (HttpRequestException error)
        {
            throw new HubTransientException($"request to {url.Host} failed: {error.Message}", innerException: error);
        }
    }

    private static Uri NextHop(Uri current, Uri? location, int redirects, HubTarget target)
    {
        if (location is null)
        {
            throw new HubException(HubErrorKind.Protocol, $"The Hub redirected the request for {target.Describe()} without a Location header.");
        }

        if (redirects >= MaxRedirects)
        {
            throw new HubException(HubErrorKind.Protocol, $"More than {MaxRedirects} redirects for {target.Describe()}.");
        }

        var next = Resolve(current, location);
        if (next.Scheme != Uri.UriSchemeHttps && next.Scheme != Uri.UriSchemeHttp)
        {
            throw new HubException(HubErrorKind.Protocol, $"Refused a redirect to a '{next.Scheme}' URL for {target.Describe()}.");
        }

        if (current.Scheme == Uri.UriSchemeHttps && next.Scheme == Uri.UriSchemeHttp)
        {
            throw new HubException(HubErrorKind.Protocol, $"Refused a redirect from https to plain http ({next.Host}) for {target.Describe()}.");
        }

        return next;
    }

    // On Unix a Location of "/api/..." parses as an absolute file:// URI; it is a path on the current host.
    private static Uri Resolve(Uri current, Uri location) =>
        !location.IsAbsoluteUri ? new Uri(current, location)
        : location.IsFile && location.OriginalString.StartsWith('/') ? new Uri(current, location.OriginalString)
        : location;

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;
}
