namespace PolarGrid.HubServer;

/// <summary>Checks repo-relative paths taken from URLs before they are looked up.</summary>
public static class RepoPaths
{
    /// <summary>
    /// Accepts only plain forward-slash relative paths. Lookups go through the snapshot's file list, never the disk,
    /// so this is a second line of defence and keeps error answers honest (EntryNotFound, not a server error).
    /// </summary>
    public static bool TryNormalize(string? path, out string normalized)
    {
        normalized = string.Empty;
        if (string.IsNullOrEmpty(path) || path.Contains('\\') || path.Contains('\0') || path.StartsWith('/')
            || Path.IsPathRooted(path) || (path.Length >= 2 && path[1] == ':'))
        {
            return false;
        }

        var segments = path.Split('/');
        if (segments.Any(s => s.Length == 0 || s == "." || s == ".."))
        {
            return false;
        }

        normalized = path;
        return true;
    }
}
