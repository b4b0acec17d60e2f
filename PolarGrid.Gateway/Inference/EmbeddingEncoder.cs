using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Inference;
using Microsoft.Extensions.Options;
using PolarGrid.Contracts;
using PolarGrid.Gateway.Models;
using PolarGrid.Gateway.OpenAI;

namespace PolarGrid.Gateway.Inference;

/// <summary>
/// Sentence embeddings from an ONNX encoder on Triton: BERT token ids in, token states out, mean-pooled over the
/// attended tokens and L2-normalised here (the sentence-transformers recipe).
/// </summary>
public sealed class EmbeddingEncoder(TritonClient triton, IOptions<GatewayOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, HashSet<string>> _inputNames = new(StringComparer.Ordinal);

    public async Task<(float[][] Vectors, int Tokens)> EncodeAsync(string model, EmbeddingSettings settings,
        IReadOnlyList<IReadOnlyList<int>> sequences, CancellationToken cancellationToken)
    {
        var inputs = await InputNamesAsync(model, cancellationToken);
        var vectors = new float[sequences.Count][];
        for (var start = 0; start < sequences.Count; start += settings.MaxBatchSize)
        {
            var batch = sequences.Skip(start).Take(settings.MaxBatchSize).ToList();
            var pooled = await EncodeBatchAsync(model, settings, inputs, batch, cancellationToken);
            pooled.CopyTo(vectors, start);
        }
        return (vectors, sequences.Sum(sequence => sequence.Count));
    }

    private async Task<float[][]> EncodeBatchAsync(string model, EmbeddingSettings settings, HashSet<string> inputs,
        List<IReadOnlyList<int>> batch, CancellationToken cancellationToken)
    {
        var width = batch.Max(sequence => sequence.Count);
        var ids = new long[batch.Count * width];
        var mask = new long[batch.Count * width];
        for (var row = 0; row < batch.Count; row++)
        {
            for (var column = 0; column < batch[row].Count; column++)
            {
                ids[row * width + column] = batch[row][column];
                mask[row * width + column] = 1;
            }
        }

        var request = new ModelInferRequest { ModelName = model };
        void Add(string name, long[] values)
        {
            request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = "INT64", Shape = { batch.Count, width } });
            request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
        }
        Add("input_ids", ids);
        Add("attention_mask", mask);
        if (inputs.Contains("token_type_ids"))
        {
            Add("token_type_ids", new long[ids.Length]);
        }
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = settings.Output });

        ModelInferResponse response;
        try
        {
            response = await triton.Raw.ModelInferAsync(request, deadline: time.GetUtcNow().UtcDateTime + options.Value.UpstreamTimeout,
                cancellationToken: cancellationToken);
        }
        catch (RpcException error)
        {
            throw UpstreamErrors.Map(error, model, cancellationToken);
        }

        var states = MemoryMarshal.Cast<byte, float>(response.RawOutputContents[0].Span);
        var dimensions = (int)response.Outputs[0].Shape[^1];
        var pooled = new float[batch.Count][];
        for (var row = 0; row < batch.Count; row++)
        {
            var vector = new float[dimensions];
            for (var column = 0; column < batch[row].Count; column++)
            {
                var state = states.Slice((row * width + column) * dimensions, dimensions);
                for (var d = 0; d < dimensions; d++)
                {
                    vector[d] += state[d];
                }
            }
            var count = batch[row].Count;
            for (var d = 0; d < dimensions; d++)
            {
                vector[d] /= count;
            }
            if (settings.Normalize)
            {
                var norm = MathF.Sqrt(vector.Sum(value => value * value));
                for (var d = 0; d < dimensions && norm > 0; d++)
                {
                    vector[d] /= norm;
                }
            }
            pooled[row] = vector;
        }
        return pooled;
    }

    private async Task<HashSet<string>> InputNamesAsync(string model, CancellationToken cancellationToken)
    {
        if (_inputNames.TryGetValue(model, out var names))
        {
            return names;
        }
        try
        {
            var metadata = await triton.Raw.ModelMetadataAsync(new ModelMetadataRequest { Name = model },
                deadline: time.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(10), cancellationToken: cancellationToken);
            names = metadata.Inputs.Select(input => input.Name).ToHashSet(StringComparer.Ordinal);
        }
        catch (RpcException error)
        {
            throw UpstreamErrors.Map(error, model, cancellationToken);
        }
        if (!names.Contains("input_ids") || !names.Contains("attention_mask"))
        {
            throw OpenAIException.InvalidRequest($"The model `{model}` is not a sentence encoder (it lacks input_ids / attention_mask).", "model");
        }
        return _inputNames[model] = names;
    }
}
