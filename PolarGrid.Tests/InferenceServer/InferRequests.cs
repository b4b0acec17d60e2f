using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using Inference;

namespace PolarGrid.Tests.InferenceServer;

/// <summary>Builds KServe v2 requests the way a Triton client does.</summary>
public static class InferRequests
{
    public static ModelInferRequest.Types.InferInputTensor Tensor(string name, string datatype, params long[] shape) =>
        new() { Name = name, Datatype = datatype, Shape = { shape } };

    public static ByteString Raw<T>(ReadOnlySpan<T> values) where T : struct =>
        ByteString.CopyFrom(MemoryMarshal.AsBytes(values));

    public static ByteString RawStrings(params string[] values)
    {
        var buffer = new List<byte>();
        foreach (var value in values)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)bytes.Length);
            buffer.AddRange(length);
            buffer.AddRange(bytes);
        }
        return ByteString.CopyFrom(buffer.ToArray());
    }

    /// <summary>A vLLM-contract generation request with explicit sampling parameters.</summary>
    public static ModelInferRequest Generate(string model, string prompt, bool stream, string samplingJson, string id = "",
        bool? excludeInput = null, bool emptyFinal = false)
    {
        var request = new ModelInferRequest { ModelName = model, Id = id };
        void Add(string name, string datatype, ByteString raw)
        {
            request.Inputs.Add(Tensor(name, datatype, 1));
            request.RawInputContents.Add(raw);
        }
        Add("text_input", "BYTES", RawStrings(prompt));
        Add("stream", "BOOL", ByteString.CopyFrom((byte)(stream ? 1 : 0)));
        Add("sampling_parameters", "BYTES", RawStrings(samplingJson));
        if (excludeInput is { } exclude)
        {
            Add("exclude_input_in_output", "BOOL", ByteString.CopyFrom((byte)(exclude ? 1 : 0)));
        }
        Add("return_finish_reason", "BOOL", ByteString.CopyFrom((byte)1));
        Add("return_num_input_tokens", "BOOL", ByteString.CopyFrom((byte)1));
        Add("return_num_output_tokens", "BOOL", ByteString.CopyFrom((byte)1));
        if (emptyFinal)
        {
            request.Parameters["triton_enable_empty_final_response"] = new InferParameter { BoolParam = true };
        }
        return request;
    }

    /// <summary>The elements of a BYTES output in raw form.</summary>
    public static List<string> ReadStrings(this ModelInferResponse response, string output)
    {
        var raw = response.RawOutputContents[IndexOf(response, output)].Span;
        var values = new List<string>();
        for (var offset = 0; offset < raw.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(raw[offset..]);
            values.Add(Encoding.UTF8.GetString(raw.Slice(offset + 4, length)));
            offset += 4 + length;
        }
        return values;
    }

    public static T[] Read<T>(this ModelInferResponse response, string output) where T : struct =>
        MemoryMarshal.Cast<byte, T>(response.RawOutputContents[IndexOf(response, output)].Span).ToArray();

    public static bool HasOutput(this ModelInferResponse response, string output) =>
        response.Outputs.Any(tensor => tensor.Name == output);

    public static bool IsFinal(this ModelInferResponse response) =>
        response.Parameters.TryGetValue("triton_final_response", out var value) && value.BoolParam;

    private static int IndexOf(ModelInferResponse response, string output)
    {
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            if (response.Outputs[i].Name == output)
            {
                return i;
            }
        }
        throw new KeyNotFoundException($"no output '{output}' in the response");
    }
}
