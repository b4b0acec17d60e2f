using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace PolarGrid.Tests;

/// <summary>all-MiniLM-L6-v2's known answer: the cosine similarity of two sentences as sentence-transformers computes it.</summary>
internal static class KnownEmbeddings
{
    public const string First = "A man is eating food.";
    public const string Second = "A man is eating a piece of bread.";
    public const double Cosine = 0.7553;

    /// <summary>Asks <c>/v1/embeddings</c> for both sentences and checks 384 normalised dimensions with the known similarity.</summary>
    public static async Task AssertServedAsync(HttpClient http, string model)
    {
        using var response = await http.PostAsJsonAsync("/v1/embeddings", new { model, input = new[] { First, Second } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data");
        var a = data[0].GetProperty("embedding").EnumerateArray().Select(value => value.GetSingle()).ToArray();
        var b = data[1].GetProperty("embedding").EnumerateArray().Select(value => value.GetSingle()).ToArray();
        Assert.Equal(384, a.Length);
        Assert.Equal(Cosine, a.Zip(b, (x, y) => (double)x * y).Sum(), 3);
    }
}
