namespace PolarGrid.Cli;

/// <summary>Plain aligned columns, readable in any terminal and easy to grep.</summary>
public static class Table
{
    public static void Write(TextWriter output, IReadOnlyList<string> header, IReadOnlyList<string[]> rows)
    {
        var widths = header.Select((title, column) => rows.Select(row => row[column].Length).Append(title.Length).Max()).ToArray();
        output.WriteLine(Line(header));
        foreach (var row in rows)
        {
            output.WriteLine(Line(row));
        }

        string Line(IReadOnlyList<string> cells) =>
            string.Join("  ", cells.Select((cell, column) => column == cells.Count - 1 ? cell : cell.PadRight(widths[column]))).TrimEnd();
    }
}
