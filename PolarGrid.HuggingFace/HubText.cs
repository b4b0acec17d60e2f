using System.Text;

namespace PolarGrid.HuggingFace;

/// <summary>Makes text from outside (file names, server messages) safe to put in a log line or exception message.</summary>
internal static class HubText
{
    private const int MaxLength = 200;

    /// <summary>Control characters escaped (a name with a newline cannot forge log lines), long text cut.</summary>
    public static string Printable(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(Math.Min(text.Length, MaxLength) + 8);
        foreach (var c in text.AsSpan(0, Math.Min(text.Length, MaxLength)))
        {
            if (char.IsControl(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return text.Length > MaxLength ? builder.Append('…').ToString() : builder.ToString();
    }
}
