using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenAI;
using OpenAI.Chat;
using PolarGrid.Client.LoadBalancing;

namespace PolarGrid.Tests.Client;

/// <summary>The official OpenAI SDK and Microsoft.Extensions.AI's IChatClient, as an app gets them from AddPolarGridRouter.</summary>
public sealed class SdkTests
{
    [Fact]
    public async Task OpenAIChatClientStreamsAndCompletesThroughTheRouterWithRetries()
    {
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var yyz = await FakeNode.StartAsync("yyz", "m1");
        await using var yul = await FakeNode.StartAsync("yul", "m2");
        await using var router = await StartAsync(yvr, yyz, yul);
        var chat = router.Services.GetRequiredService<OpenAIClient>().GetChatClient("m1");

        var streamed = new System.Text.StringBuilder();
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
            }
        }
        Assert.Equal("hello from yvr", streamed.ToString());
        Assert.True(yvr.LastStream);
        Assert.Equal("Bearer test-token", yvr.LastAuthorization);

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("hi")]);
        Assert.Equal("hello from yvr", completion.Content[0].Text);
        // The SDK's synchronous methods take the handler's synchronous path.
        ChatCompletion blocking = chat.CompleteChat([new UserChatMessage("hi")]);
        Assert.Equal("hello from yvr", blocking.Content[0].Text);

        // yvr fails before its first byte: the SDK sees yyz's answer, not the 500.
        yvr.Chat = ChatBehavior.Fail500;
        streamed.Clear();
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
            }
        }
        Assert.Equal("hello from yyz", streamed.ToString());
        Assert.Equal(0, yul.ChatRequests);
    }

    [Fact]
    public async Task ChatClientAnswersThroughTheRouter()
    {
        await using var yvr = await FakeNode.StartAsync("yvr", "m1");
        await using var yul = await FakeNode.StartAsync("yul", "m2");
        await using var router = await StartAsync(yvr, yul);
        var client = router.Services.GetRequiredService<IChatClient>();

        var response = await client.GetResponseAsync("hi");
        Assert.Equal("hello from yvr", response.Text);

        var streamed = new System.Text.StringBuilder();
        await foreach (var update in client.GetStreamingResponseAsync("hi"))
        {
            streamed.Append(update.Text);
        }
        Assert.Equal("hello from yvr", streamed.ToString());
        Assert.Equal(2, yvr.ChatRequests);
        Assert.Equal(0, yul.ChatRequests);
    }

    private static async Task<RouterHost> StartAsync(params FakeNode[] nodes)
    {
        var controlPlane = await FakeControlPlane.StartAsync();
        var time = new FakeTimeProvider();
        controlPlane.Publish(FakeControlPlane.TableOf(1, time.GetUtcNow(), nodes));
        var settings = RouterHost.Settings(controlPlane);
        settings["PolarGrid:Router:ChatModel"] = "m1";
        settings["PolarGrid:Router:ApiKey"] = "test-token";
        var router = await RouterHost.StartAsync(settings, time,
            services => services.AddSingleton<INodeSelectionPolicy>(new PreferencePolicy([.. nodes.Select(node => node.Colo)])));
        await Eventually.TrueAsync(() => router.Registry.Nodes.Count == nodes.Length, "the routing table");
        await controlPlane.DisposeAsync();
        return router;
    }
}
