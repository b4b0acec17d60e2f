using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace PolarGrid.AppHost.Kubernetes;

/// <summary>
/// Turns the values the app model gives a resource (strings, parameters, endpoint references, connection strings and
/// expressions over them) into what they read on the cluster, from that resource's point of view. Secret parameters
/// become references to the workload's Secret, never their values.
/// </summary>
public sealed class ManifestValueResolver(Placement placement, IResource from)
{
    public async ValueTask<ManifestValue> ResolveAsync(object? value, CancellationToken cancellationToken)
    {
        switch (value)
        {
            case null:
                return ManifestValue.Literal("");
            case string text:
                return ManifestValue.Literal(text);
            case ParameterResource parameter:
                return await ResolveParameterAsync(parameter, cancellationToken);
            case EndpointReference endpoint:
                return ManifestValue.Literal(placement.Url(from, endpoint));
            case EndpointReferenceExpression expression:
                return ManifestValue.Literal(ResolveEndpointProperty(expression));
            case ConnectionStringReference reference:
                return await ResolveAsync(reference.Resource.ConnectionStringExpression, cancellationToken);
            case IResourceWithConnectionString resource:
                return await ResolveAsync(resource.ConnectionStringExpression, cancellationToken);
            case ReferenceExpression { IsConditional: false } expression:
                return await ResolveExpressionAsync(expression, cancellationToken);
            case IFormattable formattable:
                return ManifestValue.Literal(formattable.ToString(null, CultureInfo.InvariantCulture));
            default:
                throw new NotSupportedException(
                    $"'{from.Name}' has a value of type {value.GetType().Name} that has no Kubernetes form; give it a string, parameter, endpoint or expression.");
        }
    }

    private async ValueTask<ManifestValue> ResolveExpressionAsync(ReferenceExpression expression, CancellationToken cancellationToken)
    {
        var parts = new object[expression.ValueProviders.Count];
        var secrets = new List<SecretReference>();
        for (var i = 0; i < parts.Length; i++)
        {
            var part = await ResolveAsync(expression.ValueProviders[i], cancellationToken);
            parts[i] = part.Text;
            secrets.AddRange(part.Secrets.Where(s => !secrets.Contains(s)));
        }
        return new ManifestValue(string.Format(CultureInfo.InvariantCulture, expression.Format, parts), secrets);
    }

    private static async ValueTask<ManifestValue> ResolveParameterAsync(ParameterResource parameter, CancellationToken cancellationToken)
    {
        if (parameter.Secret)
        {
            var key = parameter.Annotations.OfType<KubernetesSecretKeyAnnotation>().LastOrDefault()?.Key ?? parameter.Name;
            return ManifestValue.Secret(new SecretReference(key));
        }
        // A plain parameter is configuration the fleet's author chose; its value belongs in the manifest.
        return ManifestValue.Literal(await parameter.GetValueAsync(cancellationToken) ?? "");
    }

    private string ResolveEndpointProperty(EndpointReferenceExpression expression)
    {
        var (scheme, host, port) = placement.Address(from, expression.Endpoint);
        return expression.Property switch
        {
            EndpointProperty.Url => placement.Url(from, expression.Endpoint),
            EndpointProperty.Host or EndpointProperty.IPV4Host => host,
            EndpointProperty.Port or EndpointProperty.TargetPort => port.ToString(CultureInfo.InvariantCulture),
            EndpointProperty.Scheme => scheme,
            EndpointProperty.HostAndPort => $"{host}:{port.ToString(CultureInfo.InvariantCulture)}",
            var property => throw new NotSupportedException($"Endpoint property {property} has no Kubernetes form."),
        };
    }
}
