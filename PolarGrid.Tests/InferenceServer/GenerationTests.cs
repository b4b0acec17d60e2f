using System.Collections.Concurrent;
using System.Text;
using Grpc.Core;
using Inference;
using static PolarGrid.Tests.InferenceServer.InferRequests;

namespace PolarGrid.Tests.InferenceServer;

/// <summary>
/// Text generation with the vLLM backend's tensor contract on the tiny Llama: random weights, so the text is gibberish,
/// but greedy decoding is deterministic and token counts are exact.
/// </summary>
[Collection(InferenceServerCollection.Name)]
public sealed class GenerationTests(InferenceServerFixture fixture)
{
    private const string Greedy = """{"max_tokens": 24, "temperature": 0}""";
    private const string Prompt = "The quick brown fox";

    private GRPCInferenceService.GRPCInferenceServiceClient Client => fixture.Server.Client;

    [Fact]
    public async Task Streamed_deltas_concatenate_to_the_non_streamed_text_and_token_counts_add_up()
    {
        var whole = Assert.Single(await Run(Generate(InferenceServerFixture.Llama, Prompt, stream: false, Greedy, excludeInput: true)));
        var text = whole.ReadStrings("text_output").Single();
        Assert.Equal(24u, whole.Read<uint>("num_output_tokens").Single());
        Assert.Equal("length", whole.ReadStrings("finish_reason").Single());
        Assert.True(whole.IsFinal());

        var deltas = await Run(Generate(InferenceServerFixture.Llama, Prompt, stream: true, Greedy));
        Assert.True(deltas.Count > 1);
        Assert.Equal(text, string.Concat(deltas.Select(delta => delta.ReadStrings("text_output").Single())));
        Assert.Equal(24u, (uint)deltas.Sum(delta => delta.Read<uint>("num_output_tokens").Single()));
        Assert.All(deltas, delta => Assert.Equal(whole.Read<uint>("num_input_tokens"), delta.Read<uint>("num_input_tokens")));

        // Exactly the last response is final, and only it carries the finish reason.
        Assert.Equal(deltas.Count - 1, deltas.FindIndex(delta => delta.IsFinal()));
        Assert.All(deltas.SkipLast(1), delta => Assert.False(delta.HasOutput("finish_reason")));
        Assert.Equal("length", deltas[^1].ReadStrings("finish_reason").Single());
    }

    [Fact]
    public async Task Greedy_output_is_deterministic_and_a_non_streamed_answer_includes_the_prompt_by_default()
    {
        var first = (await Run(Generate(InferenceServerFixture.Llama, Prompt, stream: false, Greedy)))[0].ReadStrings("text_output").Single();
        var second = (await Run(Generate(InferenceServerFixture.Llama, Prompt, stream: false, Greedy)))[0].ReadStrings("text_output").Single();
        var excluded = (await Run(Generate(InferenceServerFixture.Llama, Prompt, stream: false, Greedy, excludeInput: true)))[0].ReadStrings("text_output").Single();

        Assert.Equal(first, second);
        Assert.Equal(Prompt + excluded, first);
    }

    [Fact]
    public async Task Seeded_sampling_is_repeatable_and_max_tokens_is_honoured()
    {
        const string sampling = """{"max_tokens": "12", "temperature": 0.8, "top_p": 0.9, "top_k": 40, "seed": 7}""";
        var one = (await Run(Generate(InferenceServerFixture.Llama, Prompt, false, sampling, excludeInput: true)))[0];
        var two = (await Run(Generate(InferenceServerFixture.Llama, Prompt, false, sampling, excludeInput: true)))[0];
        Assert.Equal(one.ReadStrings("text_output"), two.ReadStrings("text_output"));
        Assert.Equal(12u, one.Read<uint>("num_output_tokens").Single());
    }

    [Fact]
    public async Task A_stop_string_ends_generation_before_it()
    {
        var full = (await Run(Generate(InferenceServerFixture.Llama, Prompt, false, Greedy, excludeInput: true)))[0].ReadStrings("text_output").Single();
        var stop = full.Substring(full.Length / 2, 3);
        var expected = full[..full.IndexOf(stop, StringComparison.Ordinal)];
        var sampling = $$"""{"max_tokens": 24, "temperature": 0, "stop": [{{System.Text.Json.JsonSerializer.Serialize(stop)}}]}""";

        var whole = (await Run(Generate(InferenceServerFixture.Llama, Prompt, false, sampling, excludeInput: true)))[0];
        Assert.Equal(expected, whole.ReadStrings("text_output").Single());
        Assert.Equal("stop", whole.ReadStrings("finish_reason").Single());

        var streamed = await Run(Generate(InferenceServerFixture.Llama, Prompt, true, sampling));
        Assert.Equal(expected, string.Concat(streamed.Select(delta => delta.ReadStrings("text_output").Single())));
        Assert.Equal("stop", streamed[^1].ReadStrings("finish_reason").Single());
    }

    [Fact]
    public async Task An_empty_final_response_is_sent_only_when_asked_for()
    {
        var responses = await Run(Generate(InferenceServerFixture.Llama, Prompt, true, Greedy, emptyFinal: true));
        var last = responses[^1];
        Assert.True(last.IsFinal());
        Assert.Empty(last.Outputs);
        Assert.All(responses.SkipLast(1), response => Assert.False(response.IsFinal()));
        Assert.Equal(24u, (uint)responses.SkipLast(1).Sum(response => response.Read<uint>("num_output_tokens").Single()));
    }

    [Fact]
    public async Task ModelInfer_refuses_a_decoupled_model()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Client.ModelInferAsync(Generate(InferenceServerFixture.Llama, Prompt, false, Greedy)).ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        Assert.Contains("decoupled", error.Status.Detail);
    }

    [Fact]
    public async Task Requests_multiplexed_on_one_stream_are_told_apart_by_id()
    {
        using var call = Client.ModelStreamInfer();
        var ids = Enumerable.Range(0, 4).Select(i => $"request-{i}").ToList();
        foreach (var id in ids)
        {
            await call.RequestStream.WriteAsync(Generate(InferenceServerFixture.Llama, Prompt, true, Greedy, id));
        }

        var byId = ids.ToDictionary(id => id, _ => new StringBuilder());
        var finished = new HashSet<string>();
        while (finished.Count < ids.Count && await call.ResponseStream.MoveNext())
        {
            var message = call.ResponseStream.Current;
            Assert.Equal("", message.ErrorMessage);
            byId[message.InferResponse.Id].Append(message.InferResponse.ReadStrings("text_output").Single());
            if (message.InferResponse.IsFinal())
            {
                finished.Add(message.InferResponse.Id);
            }
        }
        await call.RequestStream.CompleteAsync();

        Assert.Equal(ids.Count, finished.Count);
        Assert.Single(byId.Values.Select(text => text.ToString()).Distinct()); // Same prompt, greedy: same text.
    }

    [Fact]
    public async Task Sixteen_concurrent_streams_all_complete()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Run(Generate(InferenceServerFixture.Llama, $"{Prompt} {i}", true, """{"max_tokens": 64, "temperature": 0}"""))));

        Assert.All(results, responses =>
        {
            Assert.True(responses[^1].IsFinal());
            Assert.Equal(64u, (uint)responses.Sum(response => response.Read<uint>("num_output_tokens").Single()));
        });
    }

    [Fact]
    public async Task Cancelling_the_call_stops_generation()
    {
        var before = await Statistics();
        using (var cancel = new CancellationTokenSource())
        {
            using var call = Client.ModelStreamInfer(cancellationToken: cancel.Token);
            await call.RequestStream.WriteAsync(Generate(InferenceServerFixture.Llama, Prompt, true, """{"max_tokens": 2000, "temperature": 0}"""));
            Assert.True(await call.ResponseStream.MoveNext());
            await cancel.CancelAsync();
        }

        // The server notices, stops the generator and counts the request as cancelled, not as a success.
        var after = before;
        for (var attempt = 0; attempt < 100 && after.InferenceStats.Fail.Count == before.InferenceStats.Fail.Count; attempt++)
        {
            await Task.Delay(50);
            after = await Statistics();
        }
        Assert.Equal(before.InferenceStats.Fail.Count + 1, after.InferenceStats.Fail.Count);
        Assert.Equal(before.InferenceStats.Success.Count, after.InferenceStats.Success.Count);

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{fixture.Server.MetricsPort}/metrics");
        Assert.Matches(@"nv_inference_request_failure\{model=""tiny_llama"",reason=""CANCELED"",version=""1""\} [1-9]", metrics);
        Assert.Contains("nv_inference_pending_request_count{model=\"tiny_llama\",version=\"1\"} 0", metrics);
    }

    [Fact]
    public async Task Bad_requests_on_a_stream_get_error_messages_and_the_stream_goes_on()
    {
        using var call = Client.ModelStreamInfer();
        await call.RequestStream.WriteAsync(Generate(InferenceServerFixture.Llama, Prompt, true, """{"max_tokens": 0}""", "bad-1"));
        await call.RequestStream.WriteAsync(Generate(InferenceServerFixture.Llama, Prompt, true, """{"frobnicate": 1}""", "bad-2"));
        await call.RequestStream.WriteAsync(Generate(InferenceServerFixture.Llama, Prompt, true, "not json", "bad-3"));
        await call.RequestStream.WriteAsync(new ModelInferRequest { ModelName = "no_such_model", Id = "bad-4" });
        await call.RequestStream.WriteAsync(Generate(InferenceServerFixture.Llama, Prompt, true, Greedy, "good"));
        await call.RequestStream.CompleteAsync();

        var errors = new Dictionary<string, string>();
        var goodFinished = false;
        await foreach (var message in call.ResponseStream.ReadAllAsync())
        {
            if (message.ErrorMessage.Length > 0)
            {
                errors[message.InferResponse.Id] = message.ErrorMessage;
            }
            else if (message.InferResponse.Id == "good" && message.InferResponse.IsFinal())
            {
                goodFinished = true;
            }
        }

        Assert.True(goodFinished);
        Assert.Contains("max_tokens", errors["bad-1"]);
        Assert.Contains("frobnicate", errors["bad-2"]);
        Assert.Contains("JSON", errors["bad-3"]);
        Assert.Contains("not found", errors["bad-4"]);
    }

    [Fact]
    public async Task With_the_grpc_error_header_the_first_error_ends_the_stream_with_its_status()
    {
        using var call = Client.ModelStreamInfer(new Metadata { { "triton_grpc_error", "true" } });
        await call.RequestStream.WriteAsync(Generate(InferenceServerFixture.Llama, Prompt, true, """{"top_p": 7}"""));
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
            }
        });
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    private async Task<ModelStatistics> Statistics() =>
        (await Client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = InferenceServerFixture.Llama })).ModelStats.Single();

    /// <summary>Sends one request on its own stream and collects its responses up to the final one.</summary>
    private async Task<List<ModelInferResponse>> Run(ModelInferRequest request)
    {
        using var call = Client.ModelStreamInfer();
        await call.RequestStream.WriteAsync(request);
        await call.RequestStream.CompleteAsync();
        var responses = new List<ModelInferResponse>();
        await foreach (var message in call.ResponseStream.ReadAllAsync())
        {
            Assert.Equal("", message.ErrorMessage);
            Assert.True(message.InferResponse.Parameters.ContainsKey("triton_final_response"));
            responses.Add(message.InferResponse);
        }
        Assert.True(responses[^1].IsFinal());
        return responses;
    }
}
