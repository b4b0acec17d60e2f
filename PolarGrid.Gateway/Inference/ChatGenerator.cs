using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Inference;
using Microsoft.Extensions.Options;
using PolarGrid.Contracts;

namespace PolarGrid.Gateway.Inference;

public sealed record GenerationSettings(int MaxTokens, double Temperature, double TopP, IReadOnlyList<string> Stop, long? Seed);

/// <summary>New text from the model, the tokens it took, and on the last one the finish reason.</summary>
public readonly record struct GenerationDelta(string Text, int Tokens, int PromptTokens, string? FinishReason);

/// <summary>
/// Runs a chat prompt on the node's Triton with the vLLM backend's tensor contract over ModelStreamInfer: explicit
/// <c>max_tokens</c>, a unique request id, the prompt excluded from the output, an empty final response requested as
/// the reliable end signal, and <c>triton_grpc_error</c> so that failures arrive as gRPC statuses.
/// </summary>
public sealed class ChatGenerator(TritonClient triton, IOptions<GatewayOptions> options, TimeProvider time)
{
    private static readonly ByteString True = ByteString.CopyFrom(1);
    private static readonly ByteString False = ByteString.CopyFrom(0);

    public async IAsyncEnumerable<GenerationDelta> GenerateAsync(string model, string prompt, GenerationSettings settings, bool stream,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = BuildRequest(model, prompt, settings, stream);
        var headers = new Metadata { { "triton_grpc_error", "true" } };
        var deadline = time.GetUtcNow().UtcDateTime + options.Value.UpstreamTimeout;

        AsyncDuplexStreamingCall<ModelInferRequest, ModelStreamInferResponse> call;
        try
        {
            call = triton.Raw.ModelStreamInfer(headers, deadline, cancellationToken);
            await call.RequestStream.WriteAsync(request, cancellationToken);
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException error)
        {
            throw UpstreamErrors.Map(error, model, cancellationToken);
        }

        using (call)
        {
            var promptTokens = 0;
            while (true)
            {
                ModelStreamInferResponse message;
                try
                {
                    if (!await call.ResponseStream.MoveNext(cancellationToken))
                    {
                        yield break;
                    }
                    message = call.ResponseStream.Current;
                }
                catch (RpcException error)
                {
                    throw UpstreamErrors.Map(error, model, cancellationToken);
                }

                if (message.ErrorMessage.Length > 0)
                {
                    throw UpstreamErrors.Map(new RpcException(new Status(StatusCode.Internal, message.ErrorMessage)), model, cancellationToken);
                }

                var response = message.InferResponse;
                var final = response.Parameters.TryGetValue("triton_final_response", out var flag) && flag.BoolParam;
                var text = "";
                var tokens = 0;
                string? finish = null;
                for (var i = 0; i < response.Outputs.Count; i++)
                {
                    var raw = response.RawOutputContents[i].Span;
                    switch (response.Outputs[i].Name)
                    {
                        case "text_output":
                            text = FirstString(raw);
                            break;
                        case "num_output_tokens":
                            tokens = (int)BinaryPrimitives.ReadUInt32LittleEndian(raw);
                            break;
                        case "num_input_tokens":
                            promptTokens = (int)BinaryPrimitives.ReadUInt32LittleEndian(raw);
                            break;
                        case "finish_reason":
                            // vLLM writes str(None) on responses that are not the last.
                            finish = FirstString(raw) is { Length: > 0 } reason && reason != "None" ? reason : null;
                            break;
                    }
                }

                if (text.Length > 0 || tokens > 0 || finish is not null)
                {
                    yield return new GenerationDelta(text, tokens, promptTokens, finish);
                }
                if (final)
                {
                    yield break;
                }
            }
        }
    }

    private static ModelInferRequest BuildRequest(string model, string prompt, GenerationSettings settings, bool stream)
    {
        var request = new ModelInferRequest { ModelName = model, Id = Guid.NewGuid().ToString("N") };
        request.Parameters["triton_enable_empty_final_response"] = new InferParameter { BoolParam = true };

        void Add(string name, string datatype, ByteString raw)
        {
            request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = datatype, Shape = { 1 } });
            request.RawInputContents.Add(raw);
        }

        Add("text_input", "BYTES", LengthPrefixed(prompt));
        Add("stream", "BOOL", stream ? True : False);
        Add("sampling_parameters", "BYTES", LengthPrefixed(SamplingJson(settings)));
        Add("exclude_input_in_output", "BOOL", True);
        Add("return_finish_reason", "BOOL", True);
        Add("return_num_input_tokens", "BOOL", True);
        Add("return_num_output_tokens", "BOOL", True);
        return request;
    }

    private static string SamplingJson(GenerationSettings settings)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("max_tokens", settings.MaxTokens);
            json.WriteNumber("temperature", settings.Temperature);
            json.WriteNumber("top_p", settings.TopP);
            if (settings.Seed is { } seed)
            {
                json.WriteNumber("seed", seed);
            }
            if (settings.Stop.Count > 0)
            {
                json.WriteStartArray("stop");
                foreach (var stop in settings.Stop)
                {
                    json.WriteStringValue(stop);
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static ByteString LengthPrefixed(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        var bytes = new byte[4 + length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)length);
        Encoding.UTF8.GetBytes(value, bytes.AsSpan(4));
        return UnsafeByteOperations.UnsafeWrap(bytes);
    }

    private static string FirstString(ReadOnlySpan<byte> raw)
    {
        if (raw.Length < 4)
        {
            return "";
        }
        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(raw);
        return Encoding.UTF8.GetString(raw.Slice(4, Math.Min(length, raw.Length - 4)));
    }
}
