namespace PolarGrid.InferenceServer.Backends.GenAi;

/// <summary>
/// Finds stop strings in streamed text. Text that could still become the start of a stop string is held back until
/// the next delta decides it, so a client never receives part of a stop string (vLLM does the same).
/// </summary>
public sealed class StopSequenceMatcher(IReadOnlyList<string> stops, bool includeStop)
{
    private string _pending = "";

    public bool Stopped { get; private set; }

    /// <summary>Adds generated text; returns the text that may be sent now.</summary>
    public string Push(string delta)
    {
        if (Stopped)
        {
            return "";
        }
        if (stops.Count == 0)
        {
            return delta;
        }

        var buffer = _pending + delta;
        var (index, stop) = FirstStop(buffer);
        if (index >= 0)
        {
            Stopped = true;
            _pending = "";
            return buffer[..(index + (includeStop ? stop!.Length : 0))];
        }

        var keep = LongestStopPrefixSuffix(buffer);
        _pending = buffer[^keep..];
        return buffer[..^keep];
    }

    /// <summary>The held-back text, at the end of generation.</summary>
    public string Flush()
    {
        var rest = _pending;
        _pending = "";
        return rest;
    }

    private (int Index, string? Stop) FirstStop(string buffer)
    {
        var best = (-1, (string?)null);
        foreach (var stop in stops)
        {
            var index = buffer.IndexOf(stop, StringComparison.Ordinal);
            if (index >= 0 && (best.Item1 < 0 || index < best.Item1))
            {
                best = (index, stop);
            }
        }
        return best;
    }

    private int LongestStopPrefixSuffix(string buffer)
    {
        var longest = 0;
        foreach (var stop in stops)
        {
            for (var length = Math.Min(stop.Length - 1, buffer.Length); length > longest; length--)
            {
                if (buffer.AsSpan(buffer.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
