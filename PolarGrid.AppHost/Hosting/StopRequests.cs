using System.Collections.Concurrent;
using Aspire.Hosting.ApplicationModel;

namespace PolarGrid.AppHost.Hosting;

/// <summary>
/// Which resources someone asked to stop (the dashboard's Stop, the Stop command from a test or the CLI), so that
/// their exit is not mistaken for a crash. The orchestrator's own states do not tell: a stopped process's exit code
/// and the states it passes through vary with how fast it stops.
/// </summary>
public sealed class StopRequests
{
    private readonly ConcurrentDictionary<string, bool> _requested = new(StringComparer.Ordinal);

    public void Requested(string resourceName) => _requested[resourceName] = true;

    /// <summary>True once per stop asked for: the exit it explains is then accounted for.</summary>
    public bool TryConsume(string resourceName) => _requested.TryRemove(resourceName, out _);

    /// <summary>
    /// Wraps the resource's Stop command so that running it records the request first. Runs before the application
    /// starts, when the orchestrator has added its life-cycle commands.
    /// </summary>
    public bool Intercept(IResource resource)
    {
        var stop = resource.Annotations.OfType<ResourceCommandAnnotation>().LastOrDefault(command => command.Name == KnownResourceCommands.StopCommand);
        if (stop is null)
        {
            return false;
        }
        resource.Annotations.Remove(stop);
        resource.Annotations.Add(new ResourceCommandAnnotation(
            stop.Name, stop.DisplayName, stop.UpdateState,
            context =>
            {
                Requested(context.ResourceName); // The instance's id: one replica stopped is not the others.
                return stop.ExecuteCommand(context);
            },
            stop.DisplayDescription, stop.Arguments, stop.ConfirmationMessage, stop.IconName, stop.IconVariant, stop.IsHighlighted,
            stop.Visibility, stop.ValidateArguments));
        return true;
    }
}
