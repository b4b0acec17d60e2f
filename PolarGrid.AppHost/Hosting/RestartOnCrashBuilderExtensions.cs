using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace PolarGrid.AppHost.Hosting;

public static class RestartOnCrashBuilderExtensions
{
    private sealed class StopInterceptedAnnotation : IResourceAnnotation;

    /// <summary>
    /// Starts the resource again when it crashes, with Kubernetes' crash-loop back-off (1 s doubling to 30 s), so the
    /// local fleet heals as a cluster does. Only in run mode: published, the pod's restart policy does this.
    /// </summary>
    public static IResourceBuilder<T> WithRestartOnCrash<T>(this IResourceBuilder<T> builder,
        TimeSpan? initialBackoff = null, TimeSpan? maxBackoff = null) where T : IResource
    {
        if (!builder.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            return builder;
        }
        builder.ApplicationBuilder.Services.TryAddSingleton(TimeProvider.System);
        builder.ApplicationBuilder.Services.TryAddSingleton<StopRequests>();
        builder.ApplicationBuilder.Eventing.Subscribe<BeforeResourceStartedEvent>(builder.Resource, (@event, _) =>
        {
            // Once per resource: the orchestrator has added its life-cycle commands by the time the resource starts.
            if (!@event.Resource.HasAnnotationOfType<StopInterceptedAnnotation>()
                && @event.Services.GetRequiredService<StopRequests>().Intercept(@event.Resource))
            {
                @event.Resource.Annotations.Add(new StopInterceptedAnnotation());
            }
            return Task.CompletedTask;
        });
        builder.ApplicationBuilder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CrashedResourceRestarter>());
        return builder.WithAnnotation(
            new RestartOnCrashAnnotation(initialBackoff ?? TimeSpan.FromSeconds(1), maxBackoff ?? TimeSpan.FromSeconds(30)),
            ResourceAnnotationMutationBehavior.Replace);
    }
}
