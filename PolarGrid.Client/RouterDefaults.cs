namespace PolarGrid.Client;

/// <summary>Names an app uses to reach what <c>AddPolarGridRouter</c> registers.</summary>
public static class RouterDefaults
{
    /// <summary>The routed <see cref="HttpClient"/>: <c>IHttpClientFactory.CreateClient(RouterDefaults.HttpClientName)</c>.</summary>
    public const string HttpClientName = "PolarGrid.Router";

    /// <summary>
    /// The routed client's base address. A placeholder: the router replaces scheme, host and port with the chosen
    /// node's. The reserved <c>.invalid</c> name makes a request that bypasses the router fail instead of going anywhere.
    /// </summary>
    public static readonly Uri BaseAddress = new("http://polargrid.invalid/");

    /// <summary>The OpenAI API root under <see cref="BaseAddress"/>, for SDKs that take an endpoint.</summary>
    public static readonly Uri OpenAIEndpoint = new("http://polargrid.invalid/v1");
}
