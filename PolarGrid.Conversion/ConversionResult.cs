using System.Text.Json.Serialization;
using Inference;

namespace PolarGrid.Conversion;

/// <summary>How the gateway serves a model.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ServedModelKind>))]
public enum ServedModelKind
{
    /// <summary>Text generation with the vLLM tensor contract (text_input → text_output, decoupled): chat and completions.</summary>
    Chat,

    /// <summary>A BERT-style encoder: token ids in, token embeddings out, pooled by the gateway.</summary>
    Embeddings,

    /// <summary>Any other ONNX graph: served by Triton as is, with no OpenAI route.</summary>
    Tensor,
}

/// <summary>What the gateway needs to run an embeddings model.</summary>
/// <param name="OutputName">The float output of shape [batch, seq, hidden] to pool.</param>
/// <param name="Dimensions">The hidden size: the length of one embedding.</param>
/// <param name="MaxTokens">The most tokens (special tokens included) one input may have.</param>
/// <param name="DoLowerCase">Whether the WordPiece tokenizer lower-cases text first.</param>
/// <param name="UsesTokenTypeIds">Whether the graph takes a <c>token_type_ids</c> input (all zeros for one sentence).</param>
public sealed record EmbeddingModelInfo(string OutputName, int Dimensions, int MaxTokens, bool DoLowerCase, bool UsesTokenTypeIds);

/// <summary>The outcome of <see cref="ModelConverter.ConvertAsync"/>.</summary>
/// <param name="Format">The format that was converted.</param>
/// <param name="Kind">How the gateway serves the model.</param>
/// <param name="ModelName">The served name (config.pbtxt <c>name</c>, and the folder the caller installs the model as).</param>
/// <param name="ModelDirectory">The complete Triton model directory (config.pbtxt, 1/...).</param>
/// <param name="Config">The config.pbtxt that was written.</param>
/// <param name="ContextLength">Tokens the model can attend to (prompt + output for chat), when the files say.</param>
/// <param name="Embedding">For <see cref="ServedModelKind.Embeddings"/>: how to call and pool the model.</param>
/// <param name="TokenizerFiles">
/// Absolute paths, in the download folder, of the tokenizer, chat-template and generation-config files that were
/// downloaded. They stay there (copies went into the model directory where the backend needs them); the gateway
/// copies what it needs before it deletes the download folder.
/// </param>
public sealed record ConversionResult(
    ModelFormat Format,
    ServedModelKind Kind,
    string ModelName,
    string ModelDirectory,
    ModelConfig Config,
    int? ContextLength,
    EmbeddingModelInfo? Embedding,
    IReadOnlyList<string> TokenizerFiles);
