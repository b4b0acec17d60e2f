namespace PolarGrid.AppHost.Hosting;

/// <summary>
/// A secret of the local fleet, generated on first run and kept (mode 600) beside the data it protects, so that the
/// data and the secret stay together across runs. Production secrets come from Kubernetes secrets instead.
/// </summary>
public static class LocalSecret
{
    public static string LoadOrCreate(string path, Func<string> generate)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var secret = generate();
        Write(path, secret);
        return secret;
    }

    /// <summary>
    /// Writes <paramref name="secret"/> to <paramref name="path"/>, readable by this user only from its first byte and
    /// whole or not at all: a temporary file created with mode 600, then moved over the old one.
    /// </summary>
    public static void Write(string path, string secret)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temporary, fileOptions))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(secret);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
