using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PolarGrid.HuggingFace;

namespace PolarGrid.Tests.HuggingFace;

/// <summary>The <c>HuggingFace</c> section, with huggingface_hub's variables as fallbacks, as a host resolves it.</summary>
public sealed class HubClientOptionsTests
{
    private static HubClientOptions Resolve(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddHuggingFaceHub(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<HubClientOptions>>().Value;
    }

    [Fact]
    public void Defaults_are_the_public_hub_without_a_token()
    {
        var options = Resolve([]);

        Assert.Equal(new Uri("https://huggingface.co"), options.Endpoint);
        Assert.Null(options.Token);
        Assert.Equal(TimeSpan.FromSeconds(60), options.RequestTimeout);
        Assert.True(options.MaxFileBytes > 10L << 30);
    }

    [Fact]
    public void Environment_variables_fill_what_the_section_leaves_unset()
    {
        var options = Resolve(new()
        {
            ["HF_ENDPOINT"] = "http://mirror.example:8080/hub/",
            ["HF_TOKEN"] = "hf_from_env",
            ["HUGGING_FACE_HUB_TOKEN"] = "hf_legacy",
        });

        Assert.Equal(new Uri("http://mirror.example:8080/hub"), options.Endpoint);
        Assert.Equal("hf_from_env", options.Token);
    }

    [Fact]
    public void Legacy_token_variable_is_the_last_fallback()
    {
        Assert.Equal("hf_legacy", Resolve(new() { ["HF_TOKEN"] = "", ["HUGGING_FACE_HUB_TOKEN"] = "hf_legacy" }).Token);
    }

    [Fact]
    public void Section_wins_over_environment_variables()
    {
        var options = Resolve(new()
        {
            ["HuggingFace:Endpoint"] = "https://huggingface.co",
            ["HuggingFace:Token"] = "hf_from_section",
            ["HuggingFace:RequestTimeout"] = "00:00:05",
            ["HuggingFace:MaxFileBytes"] = "1000",
            ["HF_ENDPOINT"] = "http://mirror.example",
            ["HF_TOKEN"] = "hf_from_env",
        });

        Assert.Equal(new Uri("https://huggingface.co"), options.Endpoint);
        Assert.Equal("hf_from_section", options.Token);
        Assert.Equal(TimeSpan.FromSeconds(5), options.RequestTimeout);
        Assert.Equal(1000, options.MaxFileBytes);
    }

    [Fact]
    public void Options_never_show_the_token()
    {
        var options = Resolve(new() { ["HF_TOKEN"] = "hf_secret_value" });

        Assert.DoesNotContain("hf_secret_value", options.ToString());
        Assert.Contains("Token=(set)", options.ToString());
    }

    [Theory]
    [InlineData("HuggingFace:Endpoint", "ftp://example.org")]
    [InlineData("HuggingFace:RequestTimeout", "00:00:00")]
    [InlineData("HuggingFace:MaxFileBytes", "0")]
    public void Invalid_settings_fail_validation(string key, string value)
    {
        Assert.Throws<OptionsValidationException>(() => Resolve(new() { [key] = value }));
    }
}
