namespace PolarGrid.HuggingFace;

/// <summary>
/// Settings of the Hub client, bound from the <c>HuggingFace</c> configuration section. Where the section leaves
/// <see cref="Endpoint"/> or <see cref="Token"/> unset, the variables huggingface_hub reads are used instead
/// (<c>HF_ENDPOINT</c>; <c>HF_TOKEN</c>, then the legacy <c>HUGGING_FACE_HUB_TOKEN</c>), so one environment serves both.
/// </summary>
public sealed class HubClientOptions
{
    public const string SectionName = "HuggingFace";
    public const string EndpointVariable = "HF_ENDPOINT";
    public const string TokenVariable = "HF_TOKEN";
    public const string LegacyTokenVariable = "HUGGING_FACE_HUB_TOKEN";

    public static readonly Uri DefaultEndpoint = new("https://huggingface.co");

    /// <summary>Base URL of the Hub (a mirror or the local Hub in tests); a path prefix is kept, as huggingface_hub does.</summary>
    public Uri Endpoint { get; set; } = DefaultEndpoint;

    /// <summary>Bearer token for gated and private repos. Sent only to the <see cref="Endpoint"/> host; never logged.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// How long to wait for a response's headers, and for each read of a body. Not a limit on a whole download, so a
    /// 10 GB file on a slow link is fine as long as bytes keep coming.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Files the tree lists above this size are refused before any byte is fetched.</summary>
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024 * 1024;

    /// <summary>Tries per request (or per file, for downloads) when the failure is transient: connection lost, 5xx, timeout.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>First pause before a retry; doubled per failed attempt, capped at <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether a token is configured, for messages that must say so without showing it.</summary>
    public bool HasToken => !string.IsNullOrWhiteSpace(Token);

    // The token is a secret; an options object that ends up in a log or a debugger display must not show it.
    public override string ToString() =>
        $"Endpoint={Endpoint}, Token={(HasToken ? "(set)" : "(none)")}, RequestTimeout={RequestTimeout}, MaxFileBytes={MaxFileBytes}";
}
