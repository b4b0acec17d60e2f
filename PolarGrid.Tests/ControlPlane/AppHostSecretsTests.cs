using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using PolarGrid.AppHost.Hosting;
using PolarGrid.ControlPlane.Routing;
using PolarGrid.Testing;

namespace PolarGrid.Tests.ControlPlane;

/// <summary>The app host gives the control plane a persisted signing key and admin key, and publishes the public key.</summary>
public sealed class AppHostSecretsTests
{
    [Fact]
    public async Task The_control_plane_gets_its_keys_from_secret_parameters_and_the_public_key_is_published()
    {
        using var dataRoot = new ScratchDirectory();
        var folder = Path.Combine(dataRoot.Path, ControlPlaneSecrets.FolderName);

        var first = await ControlPlaneEnvironmentAsync(dataRoot.Path);
        var signingKey = Assert.IsType<ParameterResource>(first["ControlPlane__SigningKeyPem"]);
        var adminKey = Assert.IsType<ParameterResource>(first["ControlPlane__AdminKey"]);
        Assert.True(signingKey.Secret);
        Assert.True(adminKey.Secret);
        Assert.Equal(ControlPlaneSecrets.SigningKeyId, first["ControlPlane__SigningKeyId"]);

        var privatePem = await signingKey.GetValueAsync(CancellationToken.None);
        Assert.True(RoutingKeyRing.IsValidPrivateKey(privatePem));
        Assert.Equal(privatePem, File.ReadAllText(Path.Combine(folder, ControlPlaneSecrets.SigningKeyFile)));
        Assert.True((await adminKey.GetValueAsync(CancellationToken.None))!.Length >= 32);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, ControlPlaneSecrets.SigningKeyFile)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, ControlPlaneSecrets.AdminKeyFile)));
        }

        // The published public key is the private key's public half.
        using var key = ECDsa.Create();
        key.ImportFromPem(privatePem);
        Assert.Equal(key.ExportSubjectPublicKeyInfoPem().Trim(), File.ReadAllText(Path.Combine(folder, ControlPlaneSecrets.PublicKeyFile)).Trim());

        // Kept across runs, like the data it signs for.
        var second = await ControlPlaneEnvironmentAsync(dataRoot.Path);
        Assert.Equal(privatePem, await ((ParameterResource)second["ControlPlane__SigningKeyPem"]).GetValueAsync(CancellationToken.None));
        Assert.Equal(await adminKey.GetValueAsync(CancellationToken.None),
            await ((ParameterResource)second["ControlPlane__AdminKey"]).GetValueAsync(CancellationToken.None));
    }

    private static async Task<Dictionary<string, object>> ControlPlaneEnvironmentAsync(string dataRoot)
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.PolarGrid_AppHost>(
            ["--PolarGrid:Runtime=processes", $"--PolarGrid:DataRoot={dataRoot}"]);
        var controlPlane = builder.Resources.Single(resource => resource.Name == "controlplane");
        var environment = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), environment);
        foreach (var callback in controlPlane.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }
        return environment;
    }
}
