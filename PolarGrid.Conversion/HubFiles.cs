namespace PolarGrid.Conversion;

/// <summary>The file names conversion knows in a Hugging Face repository.</summary>
internal static class HubFiles
{
    public const string GenAiConfig = "genai_config.json";
    public const string OnnxModel = "model.onnx";
    public const string OnnxFolder = "onnx";
    public const string TransformersConfig = "config.json";
    public const string TokenizerConfig = "tokenizer_config.json";
    public const string SafetensorsIndex = "model.safetensors.index.json";
    public const string SentenceBertConfig = "sentence_bert_config.json";
    public const string Vocabulary = "vocab.txt";

    /// <summary>What onnxruntime-genai (via onnxruntime-extensions) and the gateway's chat templates read.</summary>
    public static readonly string[] GenAiTokenizerFiles =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "tokenizer.model",
        "chat_template.jinja", "chat_template.json", "generation_config.json",
    ];

    /// <summary>What the gateway's embedding tokenizers read.</summary>
    public static readonly string[] OnnxTokenizerFiles = ["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

    /// <summary>What Hugging Face tokenizers (as vLLM loads them) read, slow and fast, plus templates and generation defaults.</summary>
    public static readonly string[] VllmTokenizerFiles =
    [
        .. GenAiTokenizerFiles, "vocab.json", "merges.txt", "vocab.txt",
    ];

    /// <summary>Serialisations that unpickle (run code) when loaded. Never fetched, never loaded.</summary>
    public static readonly string[] PickleExtensions = [".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib", ".npy", ".npz", ".mar"];

    /// <summary>Code. Never fetched.</summary>
    public static readonly string[] CodeExtensions = [".py", ".pyc", ".pyo", ".pyd", ".so", ".dll", ".dylib", ".exe", ".sh", ".ipynb"];

    /// <summary>The module prefixes Transformers' <c>trust_remote_code</c> loads from a repository.</summary>
    public static readonly string[] RemoteCodePrefixes =
        ["modeling_", "configuration_", "tokenization_", "processing_", "image_processing_", "feature_extraction_"];

    public static bool HasExtension(string name, IEnumerable<string> extensions) =>
        extensions.Any(extension => name.EndsWith(extension, StringComparison.OrdinalIgnoreCase));

    public static bool IsPickle(string name) => HasExtension(name, PickleExtensions);

    public static bool IsCode(string name) => HasExtension(name, CodeExtensions);

    public static bool IsRemoteCodeModule(string name) =>
        name.EndsWith(".py", StringComparison.OrdinalIgnoreCase) &&
        RemoteCodePrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>An ONNX graph or the external-data file of one, by the names exporters give them.</summary>
    public static bool IsOnnxOrData(string name) =>
        name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) || IsOnnxDataName(name);

    public static bool IsOnnxDataName(string name) =>
        name.EndsWith(".data", StringComparison.OrdinalIgnoreCase) ||
        name.Contains(".onnx_data", StringComparison.OrdinalIgnoreCase) ||
        name.Contains(".onnx.data", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// External data of <c>model.onnx</c> under the names exporters use: <c>model.onnx_data</c>, <c>model.onnx.data</c>
    /// (and numbered pieces of them), <c>model.data</c>.
    /// </summary>
    public static bool IsModelOnnxDataName(string name) =>
        name is "model.data" ||
        (name.StartsWith("model.onnx", StringComparison.Ordinal) && name != OnnxModel && IsOnnxDataName(name));
}
