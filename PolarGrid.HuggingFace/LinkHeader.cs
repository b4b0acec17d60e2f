namespace PolarGrid.HuggingFace;

/// <summary>Reads the <c>Link: &lt;url&gt;; rel="next"</c> header the Hub paginates with (RFC 8288).</summary>
internal static class LinkHeader
{
    public static Uri? Next(HttpResponseMessage response, Uri requestUrl)
    {
        if (!response.Headers.TryGetValues("Link", out var values))
        {
            return null;
        }

        foreach (var value in values)
        {
            var rest = value.AsSpan();
            while (rest.IndexOf('<') is var open and >= 0 && rest[open..].IndexOf('>') is var length and > 0)
            {
                var target = rest.Slice(open + 1, length - 1).ToString();
                rest = rest[(open + length + 1)..];
                var parameters = rest.IndexOf(',') is var comma and >= 0 ? rest[..comma] : rest;
                if (IsNext(parameters))
                {
                    return Uri.TryCreate(requestUrl, target, out var next) ? next : null;
                }
            }
        }

        return null;
    }

    private static bool IsNext(ReadOnlySpan<char> parameters)
    {
        foreach (var range in parameters.Split(';'))
        {
            var parameter = parameters[range].Trim();
            if (parameter.StartsWith("rel=", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var relation in parameter[4..].Trim('"').ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (relation.Equals("next", StringComparison.OrdinalIgnoreCase))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }
}
