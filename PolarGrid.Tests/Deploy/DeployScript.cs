using System.Diagnostics;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Deploy;

/// <summary>
/// Runs one of the repository's deploy scripts with bash as a real process, with the real kubectl, in an environment
/// of the test's making: no inherited kubeconfig, secret variables or tool overrides, HOME in a scratch folder.
/// </summary>
public static class DeployScript
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    // Variables the scripts read: only what a test sets may reach them.
    private static readonly string[] Scrubbed =
        ["KUBECONFIG", "KUBECTL", "DOTNET", "MICROK8S", "HF_TOKEN", "BASH_ENV", "ENV", "SHELLOPTS"];

    public static string RepositoryRoot => RepositoryPaths.Root;

    public static string PathOf(string script) => Path.Combine(RepositoryRoot, "deploy", script);

    public static async Task<ScriptResult> RunAsync(string script, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment, bool trace = false)
    {
        using var home = new ScratchDirectory("polargrid-deploy-home");
        var start = new ProcessStartInfo("bash") { WorkingDirectory = RepositoryRoot };
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (Scrubbed.Contains(name) || name.StartsWith("POLARGRID_", StringComparison.Ordinal))
            {
                start.Environment.Remove(name);
            }
        }
        start.Environment["HOME"] = home.Path;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        if (trace)
        {
            start.ArgumentList.Add("-x");
        }
        start.ArgumentList.Add(PathOf(script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var result = await ExternalCommand.RunAsync(start, Timeout);
        return new ScriptResult(result.ExitCode, result.Output, result.Error);
    }
}

public sealed record ScriptResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Output => StandardOutput + StandardError;

    /// <summary>The checks that failed, as the script lists them ("  MISSING  what").</summary>
    public IReadOnlyList<string> Missing => [.. StandardOutput.Split('\n')
        .Where(line => line.StartsWith("  MISSING  ", StringComparison.Ordinal))
        .Select(line => line["  MISSING  ".Length..])];

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
}
