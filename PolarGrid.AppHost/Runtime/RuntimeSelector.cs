using PolarGrid.AppHost.Fleet;

namespace PolarGrid.AppHost.Runtime;

/// <summary>
/// Picks containers or processes before the model is built: the configured choice when there is one, otherwise
/// containers when a runtime answers and processes when PostgreSQL's binaries are installed.
/// </summary>
public static class RuntimeSelector
{
    private static readonly string[] DefaultContainerRuntimes = ["docker", "podman"];

    private const string InstallHint =
        "Install and start Docker or Podman to run the fleet in containers (real Triton, Postgres image), " +
        "or install the PostgreSQL server binaries to run it as local processes " +
        "(Debian/Ubuntu: sudo apt-get install postgresql; Fedora/RHEL: sudo dnf install postgresql-server; " +
        "macOS: brew install postgresql).";

    public static async Task<RuntimeChoice> ChooseAsync(
        FleetOptions options, bool isPublishMode, string? aspireContainerRuntime, CancellationToken cancellationToken = default)
    {
        var hasGpu = await NvidiaGpuProbe.IsPresentAsync(cancellationToken);
        if (isPublishMode)
        {
            return new RuntimeChoice(FleetRuntime.Containers, "publish mode always builds the containers graph", null, null, hasGpu);
        }

        var requested = options.Runtime.Trim().ToLowerInvariant();
        if (requested is not ("auto" or "" or "containers" or "processes"))
        {
            throw new FleetSetupException(
                $"PolarGrid:Runtime is '{options.Runtime}'; expected 'auto', 'containers' or 'processes'.");
        }

        var candidates = !string.IsNullOrWhiteSpace(options.ContainerRuntime) ? [options.ContainerRuntime]
            : !string.IsNullOrWhiteSpace(aspireContainerRuntime) ? [aspireContainerRuntime]
            : DefaultContainerRuntimes;

        if (requested == "processes")
        {
            var bin = PostgresBinaries.Locate(options.PostgresBinDirectory)
                ?? throw new FleetSetupException(
                    $"PolarGrid:Runtime is 'processes' but no PostgreSQL server binaries were found{SearchedIn(options)}. {InstallHint}");
            return new RuntimeChoice(FleetRuntime.Processes, "PolarGrid:Runtime=processes", null, bin, hasGpu);
        }

        foreach (var runtime in candidates)
        {
            if (await ContainerRuntimeProbe.IsUsableAsync(runtime, cancellationToken))
            {
                var reason = requested == "containers" ? "PolarGrid:Runtime=containers" : $"{runtime} answered";
                return new RuntimeChoice(FleetRuntime.Containers, reason, runtime, null, hasGpu);
            }
        }

        if (requested == "containers")
        {
            throw new FleetSetupException(
                $"PolarGrid:Runtime is 'containers' but no container runtime answered ({string.Join(", ", candidates)} tried). " +
                "Start Docker or Podman, or set PolarGrid:Runtime=processes.");
        }

        var postgres = PostgresBinaries.Locate(options.PostgresBinDirectory)
            ?? throw new FleetSetupException(
                $"PolarGrid cannot start: no container runtime answered ({string.Join(", ", candidates)} tried) and " +
                $"no PostgreSQL server binaries were found{SearchedIn(options)}. {InstallHint}");
        return new RuntimeChoice(
            FleetRuntime.Processes, $"no container runtime answered ({string.Join(", ", candidates)} tried)", null, postgres, hasGpu);
    }

    private static string SearchedIn(FleetOptions options) =>
        string.IsNullOrWhiteSpace(options.PostgresBinDirectory)
            ? " (pg_config --bindir, /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin)"
            : $" in '{options.PostgresBinDirectory}'";
}
