namespace PolarGrid.InferenceServer.Models;

public static class TensorShape
{
    /// <summary>Number of elements, refusing negative dimensions and overflow.</summary>
    public static long ElementCount(IReadOnlyList<long> shape, string tensor)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            if (dim < 0)
            {
                throw InferenceException.InvalidArgument($"tensor '{tensor}' has a negative dimension in shape {Format(shape)}");
            }
            count = checked(count * dim);
        }
        return count;
    }

    /// <summary>Whether <paramref name="actual"/> fits <paramref name="expected"/>, where -1 matches any size.</summary>
    public static bool Matches(IReadOnlyList<long> actual, IReadOnlyList<long> expected)
    {
        if (actual.Count != expected.Count)
        {
            return false;
        }
        for (var i = 0; i < actual.Count; i++)
        {
            if (expected[i] != -1 && expected[i] != actual[i])
            {
                return false;
            }
        }
        return true;
    }

    public static string Format(IEnumerable<long> shape) => $"[{string.Join(",", shape)}]";
}
