using Microsoft.Extensions.Options;

namespace PolarGrid.Tests.Client;

/// <summary>Settings the router cannot work with stop the app at start, with a message naming the key.</summary>
public sealed class OptionsTests
{
    [Theory]
    [InlineData("PolarGrid:Router:TrustedKeys:test-key", null, "TrustedKeys: at least one public key")]
    [InlineData("PolarGrid:Router:TrustedKeys:test-key", "not a key", "TrustedKeys:test-key is not a PEM EC public key")]
    [InlineData("PolarGrid:Router:ControlPlaneUrls:0", null, "set ControlPlaneUrls or FallbackNodes")]
    [InlineData("PolarGrid:Router:EwmaDecay", "1.5", "EwmaDecay must be at least 0 and below 1")]
    [InlineData("PolarGrid:Router:ProbeInterval", "00:00:00", "ProbeInterval must be positive")]
    [InlineData("PolarGrid:Router:RetryCount", "11", "RetryCount must be between 0 and 10")]
    public async Task RefusesToStartWithSettingsItCannotWorkWith(string key, string? value, string message)
    {
        await using var controlPlane = await FakeControlPlane.StartAsync();
        var settings = RouterHost.Settings(controlPlane);
        if (value is null)
        {
            settings.Remove(key);
        }
        else
        {
            settings[key] = value;
        }

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RouterHost.StartAsync(settings));
        Assert.Contains(message, error.Message);
    }
}
