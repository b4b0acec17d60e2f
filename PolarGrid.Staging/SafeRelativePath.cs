namespace PolarGrid.Staging;

/// <summary>
/// Checks a relative file path from outside (a Hub file name, a package entry) before it is joined to a local folder.
/// </summary>
public static class SafeRelativePath
{
    public const int MaxLength = 512;

    /// <summary>
    /// True for <c>a/b.txt</c>-style paths: forward slashes only, no empty, <c>.</c> or <c>..</c> segment, not rooted,
    /// no drive letter, backslash, colon or control character, and at most <see cref="MaxLength"/> characters.
    /// </summary>
    public static bool IsSafe(string? path)
    {
        if (string.IsNullOrEmpty(path) || path.Length > MaxLength || path[0] == '/')
        {
            return false;
        }
        foreach (var c in path)
        {
            if (c is '\\' or ':' || char.IsControl(c))
            {
                return false;
            }
        }
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Joins <paramref name="relativePath"/> under <paramref name="root"/>, refusing anything that is not
    /// <see cref="IsSafe"/> or that would resolve outside the root.
    /// </summary>
    public static string Combine(string root, string relativePath)
    {
        if (!IsSafe(relativePath))
        {
            throw new UnsafePathException(relativePath);
        }
        var fullRoot = Path.GetFullPath(root);
        var full = Path.GetFullPath(Path.Combine(fullRoot, relativePath));
        var prefix = fullRoot.EndsWith(Path.DirectorySeparatorChar) ? fullRoot : fullRoot + Path.DirectorySeparatorChar;
        return full.StartsWith(prefix, StringComparison.Ordinal) ? full : throw new UnsafePathException(relativePath);
    }
}

/// <summary>A path from outside that would escape the folder it is meant for.</summary>
public sealed class UnsafePathException(string path)
    : IOException($"'{path}' is not a safe relative file name (absolute, '..', backslash or control characters are refused).")
{
    public string UnsafePath { get; } = path;
}
