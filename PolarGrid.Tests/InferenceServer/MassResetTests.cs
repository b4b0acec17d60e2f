using Grpc.Core;
using Grpc.Net.Client;
using Inference;
using PolarGrid.Contracts;
using PolarGrid.Testing;
using static PolarGrid.Tests.InferenceServer.InferRequests;

namespace PolarGrid.Tests.InferenceServer;

/// <summary>
/// Many streams on the genai backend, most still queued for a sequence slot and some generating, all dropped at once:
/// the server must leave native code before it frees what that code uses, and keep serving. Its own server process, so
/// that a crash is seen as one and cannot take other tests' server with it.
/// </summary>
public sealed class MassResetTests : IAsyncLifetime
{
    private const string Model = "tiny_llama";
    private const int Streams = 200;

    // About a thousand prompt tokens: the prompt's prefill is long enough for a reset to land inside it.
    private static readonly string LongPrompt = string.Join(' ', Enumerable.Repeat("the colo answers every voice agent quickly", 140));

    private readonly ScratchDirectory _repository = new("polargrid-reset");
    private InferenceServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        TestModels.CopyDirectory(TestModels.TinyLlamaDirectory, Path.Combine(_repository.Path, Model, "1"));
        File.WriteAllText(Path.Combine(_repository.Path, Model, "config.pbtxt"), """
            backend: "onnxruntime_genai"
            parameters { key: "max_num_seqs" value { string_value: "16" } }
            """);
        _server = await InferenceServerProcess.StartAsync(_repository.Path, "--model-control-mode=explicit", $"--load-model={Model}");
    }

    [Theory]
    [InlineData(ResetKind.CancelEveryCall)]
    [InlineData(ResetKind.DropTheConnections)]
    public async Task Two_hundred_streams_reset_together_five_times_leave_the_server_serving(ResetKind kind)
    {
        for (var round = 0; round < 5; round++)
        {
            await OpenAndResetAsync(kind, round);

            Assert.False(_server.HasExited, $"The inference server died in round {round}:\n{_server.Log}");
            var responses = await GenerateAsync(_server.Client);
            Assert.True(responses[^1].IsFinal());
            Assert.Equal(8u, (uint)responses.Sum(response => response.Read<uint>("num_output_tokens").Single()));
        }

        // Every slot came back: a full house of concurrent streams still completes.
        var all = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => GenerateAsync(_server.Client)));
        Assert.All(all, responses => Assert.True(responses[^1].IsFinal()));
        Assert.False(_server.HasExited, _server.Log);
    }

    [Fact]
    public async Task Unloading_the_model_as_its_streams_are_reset_waits_for_the_generators()
    {
        for (var round = 0; round < 5; round++)
        {
            var reset = OpenAndResetAsync(ResetKind.CancelEveryCall, 1);
            await _server.Triton.UnloadModelAsync(Model);
            await reset;
            await _server.Triton.LoadModelAsync(Model, TimeSpan.FromSeconds(30));
            Assert.False(_server.HasExited, $"The inference server died in round {round}:\n{_server.Log}");
            Assert.True((await GenerateAsync(_server.Client))[^1].IsFinal());
        }
    }

    public enum ResetKind
    {
        CancelEveryCall,
        DropTheConnections,
    }

    private async Task OpenAndResetAsync(ResetKind kind, int round)
    {
        var channel = TritonChannelFactory.Create(new TritonClientOptions { Endpoint = _server.GrpcAddress });
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var resets = Enumerable.Range(0, Streams).Select(_ => new CancellationTokenSource()).ToArray();
        var calls = new List<AsyncDuplexStreamingCall<ModelInferRequest, ModelStreamInferResponse>>();
        try
        {
            for (var i = 0; i < Streams; i++)
            {
                var call = client.ModelStreamInfer(cancellationToken: resets[i].Token);
                calls.Add(call);
                await call.RequestStream.WriteAsync(
                    Generate(Model, $"Stream {i} of round {round}: {LongPrompt}", true, """{"max_tokens": 900, "temperature": 1.0, "top_p": 1.0}"""));
            }

            // Alternate rounds: drop them all while the first sequences are still in their prefill, or once generation
            // is under way (some streams have tokens, most wait for a slot).
            if (round % 2 == 1)
            {
                Assert.True(await calls[0].ResponseStream.MoveNext());
            }
            if (kind == ResetKind.CancelEveryCall)
            {
                // In a random order, as a gateway's connections drop: slots freed by the first cancellations go to
                // waiting streams whose own cancellation arrives while their generation is starting.
                foreach (var reset in resets.OrderBy(_ => Random.Shared.Next()))
                {
                    await reset.CancelAsync();
                }
            }
            else
            {
                channel.Dispose();
            }
        }
        finally
        {
            foreach (var call in calls)
            {
                call.Dispose();
            }
            foreach (var reset in resets)
            {
                reset.Dispose();
            }
            channel.Dispose();
        }
    }

    private static async Task<List<ModelInferResponse>> GenerateAsync(GRPCInferenceService.GRPCInferenceServiceClient client)
    {
        using var call = client.ModelStreamInfer();
        await call.RequestStream.WriteAsync(Generate(Model, "After the storm", true, """{"max_tokens": 8, "temperature": 0}"""));
        await call.RequestStream.CompleteAsync();
        var responses = new List<ModelInferResponse>();
        await foreach (var message in call.ResponseStream.ReadAllAsync())
        {
            Assert.Equal("", message.ErrorMessage);
            responses.Add(message.InferResponse);
        }
        return responses;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _repository.Dispose();
    }
}
