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

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string PathOf(string script) => Path.Combine(RepositoryRoot, "deploy", script);

    public static async Task<ScriptResult> RunAsync(string script, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment, bool trace = false)
    {
        using var home = new ScratchDirectory("polargrid-deploy-home");
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
        };
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

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish within {Timeout}: {await stdout}{await stderr}");
        }
        return new ScriptResult(process.ExitCode, await stdout, await stderr);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PolarGrid.sln")))
            {
                return directory.FullName;
            }
        }
        throw new DirectoryNotFoundException("Cannot find the repository root (PolarGrid.sln) above the test binaries.");
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
