using System.Globalization;

namespace PolarGrid.InferenceServer;

/// <summary>Thrown for a command line that <c>tritonserver</c> would also refuse.</summary>
public sealed class CommandLineException(string message) : Exception(message);

/// <summary>
/// Parses <c>tritonserver</c>'s command line (<c>--name=value</c> or <c>--name value</c>). Options this server does
/// not need are accepted and ignored so that scripts written for Triton start it unchanged.
/// </summary>
public static class CommandLine
{
    private static readonly HashSet<string> IgnoredOptions = new(StringComparer.Ordinal)
    {
        "backend-directory", "backend-config", "log-verbose", "log-info", "log-warning", "log-error", "log-format",
        "model-load-thread-count", "model-load-retry-count", "metrics-config", "metrics-interval-ms",
        "allow-gpu-metrics", "allow-cpu-metrics", "pinned-memory-pool-byte-size", "cuda-memory-pool-byte-size",
        "disable-auto-complete-config", "model-config-name", "grpc-infer-allocation-pool-size", "http-thread-count",
        "reuse-grpc-port", "reuse-http-port", "exit-timeout-secs", "buffer-manager-thread-count", "repository-poll-secs",
    };

    public static ServerOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ServerOptions();
        var repositories = new List<string>();
        var startupModels = new List<string>();

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new CommandLineException($"Unexpected argument '{arg}'. Options look like --name=value.");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name, value;
            if (equals >= 0)
            {
                name = arg[2..equals];
                value = arg[(equals + 1)..];
            }
            else
            {
                name = arg[2..];
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new CommandLineException($"Option --{name} needs a value.");
                }
                value = args[++i];
            }

            options = name switch
            {
                "id" => options with { Id = value },
                "model-repository" or "model-store" => Add(repositories, value, options),
                "model-control-mode" => options with { ModelControlMode = ParseControlMode(value) },
                "load-model" => Add(startupModels, value, options),
                "grpc-port" => options with { GrpcPort = ParsePort(name, value) },
                "http-port" => options with { HttpPort = ParsePort(name, value) },
                "metrics-port" => options with { MetricsPort = ParsePort(name, value) },
                "grpc-address" => options with { GrpcAddress = value },
                "http-address" => options with { HttpAddress = value },
                "metrics-address" => options with { MetricsAddress = value },
                "allow-grpc" => options with { AllowGrpc = ParseBool(name, value) },
                "allow-http" => options with { AllowHttp = ParseBool(name, value) },
                "allow-metrics" => options with { AllowMetrics = ParseBool(name, value) },
                "strict-readiness" => options with { StrictReadiness = ParseBool(name, value) },
                "exit-on-error" => options with { ExitOnError = ParseBool(name, value) },
                _ when IgnoredOptions.Contains(name) => options,
                _ => throw new CommandLineException($"Unrecognized option --{name}."),
            };
        }

        if (repositories.Count == 0)
        {
            throw new CommandLineException("--model-repository must be specified.");
        }
        if (startupModels.Contains("*") && startupModels.Count > 1)
        {
            throw new CommandLineException("Wildcard model name '*' must be the ONLY --load-model argument.");
        }
        if (startupModels.Count > 0 && options.ModelControlMode != ModelControlMode.Explicit)
        {
            throw new CommandLineException("--load-model may only be used with --model-control-mode=explicit.");
        }

        return options with { ModelRepositories = repositories, StartupModels = startupModels };
    }

    private static ServerOptions Add(List<string> list, string value, ServerOptions options)
    {
        list.Add(value);
        return options;
    }

    private static ModelControlMode ParseControlMode(string value) => value switch
    {
        "none" => ModelControlMode.None,
        "explicit" => ModelControlMode.Explicit,
        "poll" => throw new CommandLineException("--model-control-mode=poll is not supported by this server; use explicit (or none)."),
        _ => throw new CommandLineException($"Invalid --model-control-mode '{value}': expected none or explicit."),
    };

    private static int ParsePort(string name, string value) => ParseInt(name, value, 0, 65535);

    private static int ParseInt(string name, string value, int min, int max = int.MaxValue) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new CommandLineException($"Invalid value '{value}' for --{name}: expected an integer in [{min}, {max}].");

    private static bool ParseBool(string name, string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" or "on" or "yes" => true,
        "false" or "0" or "off" or "no" => false,
        _ => throw new CommandLineException($"Invalid value '{value}' for --{name}: expected true or false."),
    };
}
