using Grpc.Core;
using Grpc.Health.V1;
using Inference;
using PolarGrid.Testing;

namespace PolarGrid.Tests.InferenceServer;

/// <summary>Server-level RPCs, the model repository and the model life cycle, over real gRPC.</summary>
[Collection(InferenceServerCollection.Name)]
public sealed class ServerProtocolTests(InferenceServerFixture fixture)
{
    private GRPCInferenceService.GRPCInferenceServiceClient Client => fixture.Server.Client;

    [Fact]
    public async Task Server_is_live_ready_and_describes_itself()
    {
        Assert.True((await Client.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await Client.ServerReadyAsync(new ServerReadyRequest())).Ready);

        var metadata = await Client.ServerMetadataAsync(new ServerMetadataRequest());
        Assert.Equal("test-triton", metadata.Name);
        Assert.Contains("model_repository", metadata.Extensions);
        Assert.Contains("statistics", metadata.Extensions);

        var health = new Health.HealthClient(fixture.Server.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
    }

    [Fact]
    public async Task Http_health_routes_answer_with_status_codes_only()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{fixture.Server.HttpPort}") };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/v2/health/live")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/v2/health/ready")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync($"/v2/models/{InferenceServerFixture.MiniLm}/ready")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await http.GetAsync("/v2/models/no_such_model/ready")).StatusCode);
    }

    [Fact]
    public async Task Index_lists_loaded_models_and_models_never_loaded()
    {
        var index = (await Client.RepositoryIndexAsync(new RepositoryIndexRequest())).Models;

        var minilm = Assert.Single(index, entry => entry.Name == InferenceServerFixture.MiniLm);
        Assert.Equal(("1", "READY"), (minilm.Version, minilm.State));
        Assert.Contains(index, entry => entry.Name == InferenceServerFixture.Llama && entry.State == "READY");

        var readyOnly = (await Client.RepositoryIndexAsync(new RepositoryIndexRequest { Ready = true })).Models;
        Assert.All(readyOnly, entry => Assert.Equal("READY", entry.State));
        Assert.True(index.Count > readyOnly.Count);
    }

    [Fact]
    public async Task Load_is_synchronous_unload_passes_through_unloading_and_reload_rereads_the_config()
    {
        var name = "lifecycle_identity";
        var folder = Path.Combine(fixture.RepositoryPath, name);
        Directory.CreateDirectory(Path.Combine(folder, "1"));
        File.WriteAllBytes(Path.Combine(folder, "1", "model.onnx"), OnnxModelBuilder.Identity("FP32", 3));
        File.WriteAllText(Path.Combine(folder, "config.pbtxt"), "platform: \"onnxruntime_onnx\"\nmax_batch_size: 2\n");

        Assert.Contains((await Client.RepositoryIndexAsync(new RepositoryIndexRequest())).Models, entry => entry.Name == name && entry.State == "");

        await Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = name });
        // Synchronous: ready the moment the load call returns.
        Assert.True((await Client.ModelReadyAsync(new ModelReadyRequest { Name = name })).Ready);
        Assert.Equal(2, (await Client.ModelConfigAsync(new ModelConfigRequest { Name = name })).Config.MaxBatchSize);

        File.WriteAllText(Path.Combine(folder, "config.pbtxt"), "platform: \"onnxruntime_onnx\"\nmax_batch_size: 4\n");
        await Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = name });
        Assert.Equal(4, (await Client.ModelConfigAsync(new ModelConfigRequest { Name = name })).Config.MaxBatchSize);

        await Client.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = name });
        var states = new List<string>();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var entry = (await Client.RepositoryIndexAsync(new RepositoryIndexRequest())).Models.Single(model => model.Name == name);
            states.Add(entry.State);
            if (entry.State == "UNAVAILABLE")
            {
                Assert.Equal("unloaded", entry.Reason);
                break;
            }
            Assert.Equal("UNLOADING", entry.State);
            await Task.Delay(20);
        }
        Assert.Equal("UNAVAILABLE", states[^1]);
        Assert.False((await Client.ModelReadyAsync(new ModelReadyRequest { Name = name })).Ready);

        var afterUnload = await Assert.ThrowsAsync<RpcException>(() => Client.ModelInferAsync(new ModelInferRequest { ModelName = name }).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, afterUnload.StatusCode);

        // Unloading what is not loaded is a success.
        await Client.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "never_loaded_model" });
    }

    [Fact]
    public async Task A_model_that_fails_to_load_is_unavailable_with_its_reason_and_the_server_keeps_serving()
    {
        var name = "broken_config";
        var folder = Path.Combine(fixture.RepositoryPath, name);
        Directory.CreateDirectory(Path.Combine(folder, "1"));
        File.WriteAllBytes(Path.Combine(folder, "1", "model.onnx"), OnnxModelBuilder.Identity("FP32", 3));
        File.WriteAllText(Path.Combine(folder, "config.pbtxt"), "platform: \"onnxruntime_onnx\"\nmax_batch_sise: 2\n");

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = name }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("config.pbtxt:2:", error.Status.Detail);
        Assert.Contains("max_batch_sise", error.Status.Detail);

        var entry = (await Client.RepositoryIndexAsync(new RepositoryIndexRequest())).Models.Single(model => model.Name == name);
        Assert.Equal("UNAVAILABLE", entry.State);
        Assert.Contains("max_batch_sise", entry.Reason);

        var corrupt = "corrupt_onnx";
        Directory.CreateDirectory(Path.Combine(fixture.RepositoryPath, corrupt, "1"));
        File.WriteAllText(Path.Combine(fixture.RepositoryPath, corrupt, "1", "model.onnx"), "this is not an onnx graph");
        var corruptError = await Assert.ThrowsAsync<RpcException>(() => Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = corrupt }).ResponseAsync);
        Assert.Equal(StatusCode.Internal, corruptError.StatusCode);

        Assert.True((await Client.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await Client.ModelReadyAsync(new ModelReadyRequest { Name = InferenceServerFixture.MiniLm })).Ready);
    }

    [Fact]
    public async Task Load_requests_triton_refuses_are_refused()
    {
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "no_such_model" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        var repository = await Assert.ThrowsAsync<RpcException>(() => Client.RepositoryModelLoadAsync(
            new RepositoryModelLoadRequest { ModelName = InferenceServerFixture.MiniLm, RepositoryName = "other" }).ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, repository.StatusCode);

        var parameter = await Assert.ThrowsAsync<RpcException>(() => Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest
        {
            ModelName = InferenceServerFixture.MiniLm,
            Parameters = { ["colour"] = new ModelRepositoryParameter { StringParam = "blue" } },
        }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, parameter.StatusCode);
        Assert.Contains("unrecognized load parameter", parameter.Status.Detail);

        var traversal = await Assert.ThrowsAsync<RpcException>(() => Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "../etc" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, traversal.StatusCode);

        var escape = await Assert.ThrowsAsync<RpcException>(() => Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest
        {
            ModelName = "override_escape",
            Parameters =
            {
                ["config"] = new ModelRepositoryParameter { StringParam = "{\"platform\":\"onnxruntime_onnx\"}" },
                ["file:../../outside/model.onnx"] = new ModelRepositoryParameter { BytesParam = Google.Protobuf.ByteString.CopyFromUtf8("x") },
            },
        }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, escape.StatusCode);
    }

    [Fact]
    public async Task A_model_can_be_loaded_from_config_and_files_sent_in_the_request()
    {
        var name = "uploaded_identity";
        await Client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest
        {
            ModelName = name,
            Parameters =
            {
                ["config"] = new ModelRepositoryParameter { StringParam = "{\"platform\":\"onnxruntime_onnx\",\"max_batch_size\":2}" },
                ["file:1/model.onnx"] = new ModelRepositoryParameter { BytesParam = Google.Protobuf.ByteString.CopyFrom(OnnxModelBuilder.Identity("INT32", 3)) },
            },
        });

        var metadata = await Client.ModelMetadataAsync(new ModelMetadataRequest { Name = name });
        Assert.Equal("onnxruntime_onnx", metadata.Platform);
        Assert.Equal(["INPUT"], metadata.Inputs.Select(input => input.Name));
        Assert.Equal([-1L, 3L], metadata.Inputs[0].Shape);
        Assert.Equal("INT32", metadata.Inputs[0].Datatype);
    }

    [Fact]
    public async Task Metadata_config_and_statistics_describe_a_loaded_model()
    {
        var metadata = await Client.ModelMetadataAsync(new ModelMetadataRequest { Name = InferenceServerFixture.MiniLm });
        Assert.Equal(["1"], metadata.Versions);
        Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], metadata.Inputs.Select(input => input.Name));
        Assert.Equal([-1L, -1L], metadata.Inputs[0].Shape);
        Assert.Equal([-1L, -1L, 384L], metadata.Outputs[0].Shape);

        var config = (await Client.ModelConfigAsync(new ModelConfigRequest { Name = InferenceServerFixture.MiniLm })).Config;
        Assert.Equal(8, config.MaxBatchSize);
        Assert.Equal(2, config.InstanceGroup[0].Count);

        var llama = (await Client.ModelConfigAsync(new ModelConfigRequest { Name = InferenceServerFixture.Llama })).Config;
        Assert.True(llama.ModelTransactionPolicy.Decoupled);
        Assert.Contains(llama.Input, input => input.Name == "text_input" && input.DataType == DataType.TypeString);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => Client.ModelMetadataAsync(new ModelMetadataRequest { Name = "no_such_model" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        var notLoaded = await Assert.ThrowsAsync<RpcException>(() => Client.ModelConfigAsync(new ModelConfigRequest { Name = InferenceServerFixture.IdentityModel("INT8") }).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, notLoaded.StatusCode);

        var all = await Client.ModelStatisticsAsync(new ModelStatisticsRequest());
        Assert.Contains(all.ModelStats, stats => stats.Name == InferenceServerFixture.MiniLm && stats.Version == "1");
    }
}
