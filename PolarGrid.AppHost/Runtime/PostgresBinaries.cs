using System.Diagnostics;

namespace PolarGrid.AppHost.Runtime;

/// <summary>Finds a PostgreSQL server installation: a folder holding both <c>postgres</c> and <c>initdb</c>.</summary>
public static class PostgresBinaries
{
    public static bool IsServerDirectory(string directory) =>
        File.Exists(Path.Combine(directory, "postgres")) && File.Exists(Path.Combine(directory, "initdb"));

    /// <summary>
    /// The configured folder when one is given (and nothing else), otherwise <c>pg_config --bindir</c>, then the
    /// newest <c>/usr/lib/postgresql/*/bin</c> (Debian, Ubuntu) and <c>/usr/pgsql-*/bin</c> (RHEL).
    /// </summary>
    public static string? Locate(string? configuredDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configuredDirectory))
        {
            return IsServerDirectory(configuredDirectory) ? Path.GetFullPath(configuredDirectory) : null;
        }

        if (PgConfigBinDirectory() is { } fromPgConfig && IsServerDirectory(fromPgConfig))
        {
            return fromPgConfig;
        }

        return Candidates("/usr/lib/postgresql", "*", "bin")
            .Concat(Candidates("/usr", "pgsql-*", "bin"))
            .FirstOrDefault(IsServerDirectory);
    }

    private static IEnumerable<string> Candidates(string root, string pattern, string leaf) =>
        Directory.Exists(root)
            ? Directory.GetDirectories(root, pattern)
                .OrderByDescending(path => Version.TryParse(Path.GetFileName(path).Replace("pgsql-", ""), out var v) ? v : new Version(0, 0))
                .Select(path => Path.Combine(path, leaf))
            : [];

    private static string? PgConfigBinDirectory()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }
            var output = process.StandardOutput.ReadToEnd().Trim();
            return process.WaitForExit(5000) && process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // pg_config is not installed.
        }
    }
}
