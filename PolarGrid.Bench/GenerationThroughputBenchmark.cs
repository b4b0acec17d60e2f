using System.Diagnostics;
using Grpc.Core;
using Inference;
using Microsoft.ML.OnnxRuntimeGenAI;
using PolarGrid.Testing;

namespace PolarGrid.Bench;

/// <summary>
/// Streamed generation through the server's gRPC ModelStreamInfer against the same onnxruntime-genai loop run in
/// process: the tiny Llama, greedy, the same prompt and token budget, tokens per second compared.
/// </summary>
public static class GenerationThroughputBenchmark
{
    private const string Prompt = "The quick brown fox jumps over the lazy dog";

    public static async Task RunAsync(int tokens, int runs)
    {
        var modelDirectory = TestModels.TinyLlamaDirectory;

        // The server's own way of loading the model, so both sides run the same decoder settings.
        using var model = PolarGrid.InferenceServer.Backends.GenAi.GenAiBackend.CreateModel(
            modelDirectory, PolarGrid.InferenceServer.Backends.GenAi.GenAiBackend.DefaultIntraOpThreads);
        using var tokenizer = new Tokenizer(model);

        double InProcess()
        {
            using var prompt = tokenizer.Encode(Prompt);
            var start = Stopwatch.GetTimestamp();
            using var parameters = new GeneratorParams(model);
            parameters.SetSearchOption("max_length", prompt[0].Length + tokens);
            parameters.SetSearchOption("do_sample", false);
            using var generator = new Generator(model, parameters);
            generator.AppendTokenSequences(prompt);
            using var decoder = tokenizer.CreateStream();
            var generated = 0;
            while (!generator.IsDone())
            {
                generator.GenerateNextToken();
                _ = decoder.Decode(generator.GetNextTokens()[0]);
                generated++;
            }
            return generated / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        using var repository = new ScratchDirectory("polargrid-bench");
        TestModels.CopyDirectory(modelDirectory, Path.Combine(repository.Path, "llama", "1"));
        File.WriteAllText(Path.Combine(repository.Path, "llama", "config.pbtxt"), "backend: \"onnxruntime_genai\"\n");
        await using var server = await InferenceServerProcess.StartAsync(repository.Path, "--model-control-mode=explicit", "--load-model=llama");

        async Task<double> ThroughServer()
        {
            var request = new ModelInferRequest { ModelName = "llama", Id = "bench" };
            request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "text_input", Datatype = "BYTES", Shape = { 1 } });
            request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "stream", Datatype = "BOOL", Shape = { 1 } });
            request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "sampling_parameters", Datatype = "BYTES", Shape = { 1 } });
            request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "return_num_output_tokens", Datatype = "BOOL", Shape = { 1 } });
            request.RawInputContents.Add(Bytes(Prompt));
            request.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(1));
            request.RawInputContents.Add(Bytes($$"""{"max_tokens": {{tokens}}, "temperature": 0}"""));
            request.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(1));

            var start = Stopwatch.GetTimestamp();
            using var call = server.Client.ModelStreamInfer();
            await call.RequestStream.WriteAsync(request);
            await call.RequestStream.CompleteAsync();
            long generated = 0;
            await foreach (var message in call.ResponseStream.ReadAllAsync())
            {
                var counts = message.InferResponse.RawOutputContents[^1].Span;
                generated += BitConverter.ToUInt32(counts);
            }
            return generated / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        await ThroughServer();
        InProcess();

        // Alternating runs, so that both see the same machine: this kind of VM's speed drifts by tens of percent.
        var local = new List<double>();
        var served = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            local.Add(InProcess());
            served.Add(await ThroughServer());
        }
        var inProcess = local.Order().ElementAt(local.Count / 2);
        var servedMedian = served.Order().ElementAt(served.Count / 2);

        Console.WriteLine($"tiny-random-llama, greedy, {tokens} tokens, median of {runs} runs");
        Console.WriteLine($"  in-process onnxruntime-genai loop : {inProcess:F0} tokens/s");
        Console.WriteLine($"  streamed via gRPC (server)        : {servedMedian:F0} tokens/s");
        Console.WriteLine($"  ratio                             : {servedMedian / inProcess:P1} (target ≥ 90%)");
    }

    private static Google.Protobuf.ByteString Bytes(string value)
    {
        var utf8 = System.Text.Encoding.UTF8.GetBytes(value);
        return Google.Protobuf.ByteString.CopyFrom([.. BitConverter.GetBytes((uint)utf8.Length), .. utf8]);
    }
}
