using System.ComponentModel;
using System.Diagnostics;

namespace PolarGrid.AppHost.Runtime;

/// <summary>Runs a short command and reports whether it exited with 0 in time.</summary>
public static class CommandProbe
{
    public static async Task<bool> SucceedsAsync(string file, IEnumerable<string> arguments, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Win32Exception)
        {
            return false; // Not installed.
        }
        if (process is null)
        {
            return false;
        }

        using (process)
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(timeout);
            try
            {
                // Drain both pipes so a chatty command cannot block on a full buffer.
                var drain = Task.WhenAll(
                    process.StandardOutput.ReadToEndAsync(deadline.Token),
                    process.StandardError.ReadToEndAsync(deadline.Token));
                await process.WaitForExitAsync(deadline.Token);
                await drain;
                return process.ExitCode == 0;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return false; // Hung: as good as absent.
            }
        }
    }
}
