using System.Diagnostics;
using System.Net.Http.Json;

namespace PolarGrid.Tests.Gateway;

/// <summary>One chat request is one trace, from the gateway's GenAI span to the inference server's span.</summary>
[Collection(GatewayCollection.Name)]
public sealed class TracingTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_chat_request_produces_connected_spans_from_gateway_to_inference_server()
    {
        using var http = fixture.Http(fixture.Token());
        var response = await http.PostAsJsonAsync("/v1/chat/completions",
            new { model = GatewayFixture.Chat, messages = new[] { new { role = "user", content = "trace me" } }, max_tokens = 3, temperature = 0 });
        response.EnsureSuccessStatusCode();

        Activity? chat = null, infer = null;
        for (var attempt = 0; attempt < 50 && (chat is null || infer is null); attempt++)
        {
            await Task.Delay(100);
            lock (fixture.Activities)
            {
                chat = fixture.Activities.LastOrDefault(activity => activity.DisplayName == $"chat {GatewayFixture.Chat}");
                infer = chat is null ? null : fixture.Activities.LastOrDefault(activity =>
                    activity.DisplayName == $"infer {GatewayFixture.Chat}" && activity.TraceId == chat.TraceId);
            }
        }

        Assert.NotNull(chat);
        Assert.Equal("chat", chat.GetTagItem("gen_ai.operation.name"));
        Assert.Equal(GatewayFixture.Chat, chat.GetTagItem("gen_ai.request.model"));
        Assert.Equal(3, chat.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.True((int)chat.GetTagItem("gen_ai.usage.input_tokens")! > 0);

        // The server's span hangs off the gateway's span through the gRPC call (W3C trace context in gRPC metadata).
        Assert.NotNull(infer);
        List<Activity> snapshot;
        lock (fixture.Activities)
        {
            snapshot = [.. fixture.Activities];
        }
        var ancestors = new List<string>();
        for (var current = infer; current is not null; current = snapshot.FirstOrDefault(activity => activity.SpanId == current.ParentSpanId))
        {
            ancestors.Add(current.DisplayName);
            if (current.SpanId == chat.SpanId)
            {
                break;
            }
        }
        Assert.Equal(chat.DisplayName, ancestors[^1]);
        Assert.True(ancestors.Count >= 3, string.Join(" <- ", ancestors)); // infer <- server span <- client call <- chat
    }
}
