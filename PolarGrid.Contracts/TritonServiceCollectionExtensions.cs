using Inference;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PolarGrid.Contracts;

public static class TritonServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="TritonClient"/> per process over one channel, configured from the <c>Triton</c>
    /// section (<c>Triton__Endpoint</c> in the environment).
    /// </summary>
    public static IServiceCollection AddTritonClient(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TritonClientOptions>()
            .Bind(configuration.GetSection(TritonClientOptions.SectionName))
            .Validate(options => options.Endpoint is { IsAbsoluteUri: true },
                $"{TritonClientOptions.SectionName}:Endpoint must be an absolute http(s) URI.")
            .ValidateOnStart();

        services.AddSingleton(provider =>
            TritonChannelFactory.Create(provider.GetRequiredService<IOptions<TritonClientOptions>>().Value));
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<TritonClientOptions>>().Value;
            var channel = provider.GetRequiredService<Grpc.Net.Client.GrpcChannel>();
            return new TritonClient(new GRPCInferenceService.GRPCInferenceServiceClient(channel), options.ControlCallTimeout);
        });
        return services;
    }
}
