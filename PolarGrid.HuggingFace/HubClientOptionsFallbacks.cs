using Microsoft.Extensions.Configuration;

namespace PolarGrid.HuggingFace;

/// <summary>Fills what the <c>HuggingFace</c> section leaves unset from huggingface_hub's environment variables.</summary>
internal static class HubClientOptionsFallbacks
{
    public static void Apply(HubClientOptions options, IConfiguration configuration)
    {
        var section = configuration.GetSection(HubClientOptions.SectionName);

        // Decided on the raw keys, not on the bound values: a default endpoint set on purpose must win over HF_ENDPOINT.
        if (string.IsNullOrWhiteSpace(section[nameof(HubClientOptions.Endpoint)])
            && configuration[HubClientOptions.EndpointVariable] is { } endpoint && !string.IsNullOrWhiteSpace(endpoint))
        {
            options.Endpoint = Uri.TryCreate(endpoint.Trim().TrimEnd('/'), UriKind.Absolute, out var uri)
                ? uri
                : throw new InvalidOperationException($"{HubClientOptions.EndpointVariable} is not an absolute URL.");
        }

        if (string.IsNullOrWhiteSpace(options.Token))
        {
            options.Token = NonEmpty(configuration[HubClientOptions.TokenVariable])
                ?? NonEmpty(configuration[HubClientOptions.LegacyTokenVariable]);
        }

        options.Token = NonEmpty(options.Token);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
