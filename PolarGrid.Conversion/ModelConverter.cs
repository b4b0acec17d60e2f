using System.Text.Json;
using System.Text.Json.Nodes;
using Inference;
using PolarGrid.Contracts;
using PolarGrid.Conversion.Onnx;
using PolarGrid.Staging;

namespace PolarGrid.Conversion;

/// <summary>
/// Turns the files of a Hugging Face repository into a Triton model directory, in two steps around the download:
/// <see cref="Plan"/> decides from the file listing what to fetch (or refuses), <see cref="ConvertAsync"/> checks what
/// only the contents reveal and lays out the model directory.
/// </summary>
public static class ModelConverter
{
    /// <summary>Embedding inputs longer than this are not offered, whatever the model's files claim.</summary>
    public const int MaxEmbeddingTokens = 8192;

    /// <summary>Used when neither config.json nor the tokenizer config says how long an embedding input may be.</summary>
    public const int DefaultEmbeddingTokens = 512;

    // Small JSON files are read whole; nothing legitimate of this kind comes near this size.
    private const long MaxJsonBytes = 64L << 20;

    private static readonly JsonDocumentOptions JsonOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>
    /// Step 1, before any download: recognises the model's format from the repository listing and selects exactly the
    /// files to download (repo-relative; never outside <paramref name="subfolder"/>, never code or pickles).
    /// Formats, first match wins: an onnxruntime-genai folder, an ONNX model (<c>model.onnx</c> or
    /// <c>onnx/model.onnx</c>), safetensors with config.json.
    /// </summary>
    /// <param name="files">The repository's files with their sizes.</param>
    /// <param name="subfolder">The folder inside the repository that holds the model, or null for the root.</param>
    /// <param name="options">The serving node's flavour and device, and the download limits.</param>
    /// <exception cref="ConversionException">The repository cannot be served by this node; see its code and message.</exception>
    public static ConversionPlan Plan(IEnumerable<RepoFile> files, string? subfolder, ConversionOptions options) =>
        ConversionPlanner.Plan(files, subfolder, options);

    /// <summary>
    /// Step 2, after the download: builds a complete, loadable Triton model directory in
    /// <paramref name="modelDirectory"/> (config.pbtxt and version folder <c>1/</c>). Model files are moved there from
    /// <paramref name="downloadDirectory"/> (same volume: renames); tokenizer and template files stay in the download
    /// folder for the gateway and are copied into the model directory where the backend reads them too.
    /// </summary>
    /// <param name="plan">The plan from <see cref="Plan"/>; it is checked again.</param>
    /// <param name="downloadDirectory">Holds the planned files at their repo-relative paths.</param>
    /// <param name="modelDirectory">The Triton model directory to fill; must be empty or absent. On failure its contents
    /// are undefined and the download folder may have lost files: the caller discards both.</param>
    /// <param name="modelName">The served model name (<see cref="StagingNames.IsValidModelName"/>).</param>
    /// <param name="cancellationToken">Stops the conversion between steps.</param>
    /// <exception cref="ConversionException">The downloaded files cannot be served; see its code and message.</exception>
    public static async Task<ConversionResult> ConvertAsync(
        ConversionPlan plan, string downloadDirectory, string modelDirectory, string modelName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(downloadDirectory);
        ArgumentNullException.ThrowIfNull(modelDirectory);
        if (!StagingNames.IsValidModelName(modelName))
        {
            throw new ConversionException(ConversionErrorCode.InvalidModelName,
                $"'{modelName}' is not a valid model name (letters, digits, '-', '_', '.'; starting with a letter or digit; at most 128 characters).");
        }
        var job = new Job(plan, downloadDirectory, modelDirectory, modelName);
        cancellationToken.ThrowIfCancellationRequested();

        var (config, kind, contextLength, embedding) = plan.Format switch
        {
            ModelFormat.GenAi => job.ConvertGenAi(cancellationToken),
            ModelFormat.Onnx => job.ConvertOnnx(cancellationToken),
            ModelFormat.Safetensors => await job.ConvertSafetensorsAsync(cancellationToken),
            _ => throw new ConversionException(ConversionErrorCode.UnknownLayout, $"Unknown model format '{plan.Format}'."),
        };

        var text = $"# Written by PolarGrid.Conversion ({plan.Format} format).\n" + ProtobufTextFormat.Format(config);
        await AtomicFile.WriteTextAsync(Path.Combine(job.ModelDirectory, TritonConfigs.ConfigFileName), text, cancellationToken);
        return new ConversionResult(plan.Format, kind, modelName, job.ModelDirectory, config, contextLength, embedding, job.TokenizerFiles);
    }

    private sealed record Converted(ModelConfig Config, ServedModelKind Kind, int? ContextLength, EmbeddingModelInfo? Embedding);

    /// <summary>One conversion: the plan re-checked against the downloaded files.</summary>
    private sealed class Job
    {
        private readonly ConversionPlan _plan;
        private readonly string _modelName;
        private readonly string _download;

        /// <summary>Planned files by repo-relative path, with their local path.</summary>
        private readonly Dictionary<string, (PlannedFile File, string Local)> _files = new(StringComparer.Ordinal);

        public Job(ConversionPlan plan, string downloadDirectory, string modelDirectory, string modelName)
        {
            if (plan.Files is null || plan.Options is null || plan.Root is null || plan.PrimaryFile is null)
            {
                throw new ArgumentException("The plan is incomplete (files, options, root and primary file are required).", nameof(plan));
            }
            _plan = plan;
            _modelName = modelName;
            plan.Options.Validate();
            var root = ConversionPlanner.NormalizeSubfolder(plan.Root);
            if (root != plan.Root)
            {
                throw new ConversionException(ConversionErrorCode.UnsafePath, $"The plan's folder '{plan.Root}' is not in normal form.");
            }

            _download = Path.GetFullPath(downloadDirectory);
            if (!Directory.Exists(_download))
            {
                throw new ConversionException(ConversionErrorCode.MissingFile, $"The download folder {_download} does not exist.");
            }
            ModelDirectory = Path.GetFullPath(modelDirectory);
            if (Directory.Exists(ModelDirectory) && Directory.EnumerateFileSystemEntries(ModelDirectory).Any())
            {
                throw new ArgumentException($"The model directory {ModelDirectory} must be empty.", nameof(modelDirectory));
            }

            foreach (var file in plan.Files)
            {
                if (!SafeRelativePath.IsSafe(file.Path) || (root.Length > 0 && !file.Path.StartsWith(root + "/", StringComparison.Ordinal)))
                {
                    throw new ConversionException(ConversionErrorCode.UnsafePath, $"The plan names '{file.Path}', which is not a safe path inside '{root}'.");
                }
                if (HubFiles.IsCode(file.Path) || HubFiles.IsPickle(file.Path))
                {
                    throw new ConversionException(ConversionErrorCode.UnsafePath, $"The plan names '{file.Path}', a kind of file that is never loaded.");
                }
                _files[file.Path] = (file, Resolve(file.Path));
            }
            if (!_files.ContainsKey(plan.PrimaryFile))
            {
                throw new ConversionException(ConversionErrorCode.MissingFile, $"The plan does not include its own primary file '{plan.PrimaryFile}'.");
            }
        }

        public string ModelDirectory { get; }

        private string VersionDirectory => Path.Combine(ModelDirectory, TritonConfigs.VersionFolder);

        public IReadOnlyList<string> TokenizerFiles => _files.Values
            .Where(entry => entry.File.Role == FileRole.Tokenizer)
            .Select(entry => entry.Local)
            .Order(StringComparer.Ordinal)
            .ToList();

        public Converted ConvertGenAi(CancellationToken cancellationToken)
        {
            using var document = ReadJson(_plan.PrimaryFile);
            if (document.RootElement.ValueKind != JsonValueKind.Object ||
                !document.RootElement.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"{_plan.PrimaryFile} has no \"model\" object, so it is not an onnxruntime-genai config.");
            }
            var contextLength = PositiveInt(model, "context_length")
                ?? throw Invalid($"{_plan.PrimaryFile} does not give model.context_length as a positive integer.");
            _ = PositiveInt(model, "vocab_size") ?? throw Invalid($"{_plan.PrimaryFile} does not give model.vocab_size as a positive integer.");
            if (!model.TryGetProperty("decoder", out var decoder) || decoder.ValueKind != JsonValueKind.Object ||
                !decoder.TryGetProperty("filename", out var decoderFile) || decoderFile.ValueKind != JsonValueKind.String)
            {
                throw Invalid($"{_plan.PrimaryFile} does not name the decoder's ONNX file (model.decoder.filename).");
            }
            if (document.RootElement.TryGetProperty("search", out var search) && search.ValueKind == JsonValueKind.Object &&
                PositiveInt(search, "max_length") is { } maxLength)
            {
                // The generator's limit on prompt + output, which may be below what the model could attend to.
                contextLength = Math.Min(contextLength, maxLength);
            }

            // Every ONNX file the config names (decoder, and encoder/vision/embedding parts of other model types) must
            // have been downloaded beside it, with the external data its graph reads.
            var folder = FolderOf(_plan.PrimaryFile);
            var onnxFiles = new List<string>();
            CollectFilenames(model, onnxFiles);
            foreach (var name in onnxFiles.Distinct(StringComparer.Ordinal))
            {
                if (!SafeRelativePath.IsSafe(name))
                {
                    throw new ConversionException(ConversionErrorCode.UnsafePath,
                        $"{_plan.PrimaryFile} names the file '{name}', which is not a safe relative name.");
                }
                var repoPath = Join(folder, name);
                if (!_files.ContainsKey(repoPath))
                {
                    throw new ConversionException(ConversionErrorCode.MissingFile,
                        $"{_plan.PrimaryFile} names '{name}', which was not downloaded with it (files beside it: {string.Join(", ", _files.Keys.Select(Path.GetFileName))}).");
                }
                if (name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                {
                    RequireExternalData(repoPath, ReadGraph(repoPath));
                }
            }
            cancellationToken.ThrowIfCancellationRequested();

            // onnxruntime-genai reads the whole folder: config, graphs, data and tokenizer, side by side in 1/.
            Directory.CreateDirectory(VersionDirectory);
            foreach (var (path, (file, _)) in _files)
            {
                var target = SafeRelativePath.Combine(VersionDirectory, RelativeToRoot(path));
                if (file.Role == FileRole.Tokenizer)
                {
                    CopyTo(path, target);
                }
                else
                {
                    MoveTo(path, target);
                }
            }

            var config = TritonConfigs.Llm(_modelName, TritonConfigs.GenAiBackend, TritonConfigs.Instances(_plan.Options.Device, cpuCount: 1));
            return new Converted(config, ServedModelKind.Chat, contextLength, null);
        }

        public Converted ConvertOnnx(CancellationToken cancellationToken)
        {
            var graph = ReadGraph(_plan.PrimaryFile);
            var externalData = RequireExternalData(_plan.PrimaryFile, graph);

            foreach (var tensor in graph.Inputs.Concat(graph.Outputs))
            {
                if (tensor.TritonType == DataType.TypeInvalid)
                {
                    throw Invalid(tensor.ElementType == 0
                        ? $"The ONNX graph's '{tensor.Name}' is not a plain tensor (a sequence, map or optional value), which Triton cannot carry."
                        : $"The ONNX graph's '{tensor.Name}' has element type {tensor.ElementType}, which Triton has no datatype for.");
                }
                if (tensor.Shape is null)
                {
                    throw Invalid($"The ONNX graph gives no shape for '{tensor.Name}'; Triton needs its rank.");
                }
            }
            if (graph.Inputs.Count == 0 || graph.Outputs.Count == 0)
            {
                throw Invalid("The ONNX graph has no inputs or no outputs.");
            }

            var maxBatchSize = _plan.Options.MaxBatchSize;
            var batching = maxBatchSize > 0 && graph.Inputs.Concat(graph.Outputs).All(tensor => tensor.Shape is [{ IsSymbolic: true }, ..]);
            var config = new ModelConfig
            {
                Name = _modelName,
                Platform = TritonConfigs.OnnxPlatform,
                MaxBatchSize = batching ? maxBatchSize : 0,
                InstanceGroup = { TritonConfigs.Instances(_plan.Options.Device, cpuCount: 2) },
            };
            if (batching)
            {
                // Requests already waiting when an instance frees up run together; none is held back to wait for more.
                config.DynamicBatching = new ModelDynamicBatching();
            }
            foreach (var input in graph.Inputs)
            {
                var (dims, reshape) = Dims(input, batching);
                config.Input.Add(new ModelInput { Name = input.Name, DataType = input.TritonType, Dims = { dims }, Reshape = reshape });
            }
            foreach (var output in graph.Outputs)
            {
                var (dims, reshape) = Dims(output, batching);
                config.Output.Add(new ModelOutput { Name = output.Name, DataType = output.TritonType, Dims = { dims }, Reshape = reshape });
            }

            int? contextLength = null;
            EmbeddingModelInfo? embedding;
            using (var transformers = ReadOptionalJson(HubFiles.TransformersConfig))
            using (var tokenizerConfig = ReadOptionalJson(HubFiles.TokenizerConfig))
            using (var sentenceBert = ReadOptionalJson(HubFiles.SentenceBertConfig))
            {
                RefuseRemoteCode(HubFiles.TransformersConfig, transformers);
                if (transformers is not null)
                {
                    contextLength = PositiveInt(transformers.RootElement, "max_position_embeddings");
                }
                embedding = DescribeEmbeddings(graph, transformers, tokenizerConfig, sentenceBert);
            }
            cancellationToken.ThrowIfCancellationRequested();

            // Triton's layout: 1/model.onnx with its external data beside it, at the names the graph uses.
            Directory.CreateDirectory(VersionDirectory);
            MoveTo(_plan.PrimaryFile, Path.Combine(VersionDirectory, HubFiles.OnnxModel));
            foreach (var (location, repoPath) in externalData)
            {
                MoveTo(repoPath, SafeRelativePath.Combine(VersionDirectory, location));
            }
            return new Converted(config, embedding is null ? ServedModelKind.Tensor : ServedModelKind.Embeddings, contextLength, embedding);
        }

        public async Task<Converted> ConvertSafetensorsAsync(CancellationToken cancellationToken)
        {
            int? contextLength;
            using (var transformers = ReadJson(_plan.PrimaryFile))
            {
                if (transformers.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid($"{_plan.PrimaryFile} is not a JSON object.");
                }
                RefuseRemoteCode(_plan.PrimaryFile, transformers);
                contextLength = PositiveInt(transformers.RootElement, "max_position_embeddings")
                    ?? PositiveInt(transformers.RootElement, "max_sequence_length")
                    ?? PositiveInt(transformers.RootElement, "seq_length")
                    ?? PositiveInt(transformers.RootElement, "n_positions");
            }
            using (var tokenizerConfig = ReadOptionalJson(HubFiles.TokenizerConfig))
            {
                RefuseRemoteCode(HubFiles.TokenizerConfig, tokenizerConfig);
            }
            using (var index = ReadOptionalJson(HubFiles.SafetensorsIndex))
            {
                if (index is not null)
                {
                    RequireIndexedShards(index);
                }
            }
            cancellationToken.ThrowIfCancellationRequested();

            // 1/weights/ is a Transformers model folder; model.json points vLLM at it (the node's sidecar makes the
            // path absolute for Triton).
            const string weightsFolder = "weights";
            var weights = Path.Combine(VersionDirectory, weightsFolder);
            Directory.CreateDirectory(weights);
            foreach (var (path, (file, _)) in _files)
            {
                var target = SafeRelativePath.Combine(weights, RelativeToRoot(path));
                if (file.Role == FileRole.Tokenizer)
                {
                    CopyTo(path, target);
                }
                else
                {
                    MoveTo(path, target);
                }
            }

            var engineArgs = new JsonObject
            {
                ["model"] = weightsFolder,
                ["disable_log_requests"] = true,
                ["gpu_memory_utilization"] = _plan.Options.GpuMemoryUtilization,
                ["trust_remote_code"] = false,
            };
            await AtomicFile.WriteTextAsync(Path.Combine(VersionDirectory, "model.json"),
                engineArgs.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", cancellationToken);

            // vLLM places the engine itself (tensor/pipeline parallel across GPUs), which needs KIND_MODEL.
            var config = TritonConfigs.Llm(_modelName, TritonConfigs.VllmBackend,
                new ModelInstanceGroup { Kind = ModelInstanceGroup.Types.Kind.Model, Count = 1 });
            return new Converted(config, ServedModelKind.Chat, contextLength, null);
        }

        /// <summary>
        /// An embeddings model takes int64 <c>input_ids</c> and <c>attention_mask</c> (and optionally
        /// <c>token_type_ids</c>), gives a float [batch, seq, hidden] output with a known hidden size, and comes with a
        /// WordPiece vocab.txt.
        /// </summary>
        private EmbeddingModelInfo? DescribeEmbeddings(OnnxGraph graph, JsonDocument? transformers, JsonDocument? tokenizerConfig, JsonDocument? sentenceBert)
        {
            string[] tokenInputs = ["input_ids", "attention_mask", "token_type_ids"];
            var inputs = graph.Inputs.ToDictionary(input => input.Name, StringComparer.Ordinal);
            if (!_files.ContainsKey(RootPath(HubFiles.Vocabulary)) ||
                !inputs.ContainsKey("input_ids") || !inputs.ContainsKey("attention_mask") ||
                !inputs.Values.All(input => tokenInputs.Contains(input.Name) && input.TritonType == DataType.TypeInt64 && input.Shape is { Count: 2 }))
            {
                return null;
            }

            // The hidden size: fixed in the graph, or (exporters often leave it symbolic) the config's hidden_size.
            var configHidden = transformers is null ? null : PositiveInt(transformers.RootElement, "hidden_size");
            int? Hidden(OnnxTensorInfo output) => output.Shape![2].Value is { } size ? (size is > 0 and <= int.MaxValue ? (int)size : null) : configHidden;
            var candidates = graph.Outputs
                .Where(output => output.TritonType == DataType.TypeFp32 && output.Shape is { Count: 3 } && Hidden(output) is not null)
                .ToList();
            var output = candidates.FirstOrDefault(output => output.Name == "last_hidden_state")
                ?? candidates.FirstOrDefault(output => output.Name == "token_embeddings")
                ?? candidates.FirstOrDefault();
            if (output is null)
            {
                return null;
            }

            var limits = new[]
            {
                sentenceBert is null ? null : PositiveInt(sentenceBert.RootElement, "max_seq_length"),
                transformers is null ? null : PositiveInt(transformers.RootElement, "max_position_embeddings"),
                // Tokenizer configs without a limit carry a huge sentinel (int(1e30)), which PositiveInt rejects.
                tokenizerConfig is null ? null : PositiveInt(tokenizerConfig.RootElement, "model_max_length"),
            }.OfType<int>().ToList();
            var maxTokens = Math.Min(limits.Count > 0 ? limits.Min() : DefaultEmbeddingTokens, MaxEmbeddingTokens);

            // BERT's WordPiece tokenizer lower-cases unless told otherwise.
            var doLowerCase = !(tokenizerConfig is not null &&
                                tokenizerConfig.RootElement.ValueKind == JsonValueKind.Object &&
                                tokenizerConfig.RootElement.TryGetProperty("do_lower_case", out var lower) &&
                                lower.ValueKind == JsonValueKind.False);
            return new EmbeddingModelInfo(output.Name, Hidden(output)!.Value, maxTokens, doLowerCase, inputs.ContainsKey("token_type_ids"));
        }

        /// <summary>Triton dims for a tensor: -1 for symbolic dimensions, the batch dimension left out when batching.</summary>
        private static (IEnumerable<long> Dims, ModelTensorReshape? Reshape) Dims(OnnxTensorInfo tensor, bool batching)
        {
            var dims = tensor.Shape!.Skip(batching ? 1 : 0).Select(dim => dim.Value ?? -1).ToList();
            // Triton cannot declare an empty dims list; a scalar (per batch row) is [1] reshaped to [].
            return dims.Count == 0 ? ([1], new ModelTensorReshape()) : (dims, null);
        }

        /// <summary>The external-data files a graph reads, by location, each checked safe and downloaded beside it.</summary>
        private List<(string Location, string RepoPath)> RequireExternalData(string graphPath, OnnxGraph graph)
        {
            var folder = FolderOf(graphPath);
            var found = new List<(string, string)>();
            foreach (var location in graph.ExternalDataFiles)
            {
                if (!SafeRelativePath.IsSafe(location))
                {
                    throw new ConversionException(ConversionErrorCode.UnsafePath,
                        $"The ONNX graph {graphPath} reads external data from '{location}', which is not a safe relative name.");
                }
                var repoPath = Join(folder, location);
                if (!_files.ContainsKey(repoPath))
                {
                    throw new ConversionException(ConversionErrorCode.MissingFile,
                        $"The ONNX graph {graphPath} reads external data from '{location}', which was not downloaded with it.");
                }
                found.Add((location, repoPath));
            }
            return found;
        }

        private void RequireIndexedShards(JsonDocument index)
        {
            if (index.RootElement.ValueKind != JsonValueKind.Object ||
                !index.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"{HubFiles.SafetensorsIndex} has no weight_map.");
            }
            foreach (var shard in map.EnumerateObject().Select(entry => entry.Value.ToString()).Distinct(StringComparer.Ordinal))
            {
                if (!SafeRelativePath.IsSafe(shard))
                {
                    throw new ConversionException(ConversionErrorCode.UnsafePath, $"{HubFiles.SafetensorsIndex} names the shard '{shard}', which is not a safe relative name.");
                }
                if (!_files.ContainsKey(RootPath(shard)))
                {
                    throw new ConversionException(ConversionErrorCode.MissingFile, $"{HubFiles.SafetensorsIndex} names the shard '{shard}', which was not downloaded.");
                }
            }
        }

        /// <summary>Transformers loads code from the repository for <c>auto_map</c> entries; such models are refused.</summary>
        private static void RefuseRemoteCode(string name, JsonDocument? document)
        {
            if (document?.RootElement is not { ValueKind: JsonValueKind.Object } root)
            {
                return;
            }
            if (root.TryGetProperty("auto_map", out _))
            {
                throw new ConversionException(ConversionErrorCode.RemoteCodeRequired,
                    $"{name} has an auto_map: the model needs its own code from the repository (trust_remote_code), and repository code is never run.");
            }
            if (root.TryGetProperty("trust_remote_code", out var trust) && trust.ValueKind == JsonValueKind.True)
            {
                throw new ConversionException(ConversionErrorCode.RemoteCodeRequired,
                    $"{name} asks for trust_remote_code; repository code is never run.");
            }
        }

        private static void CollectFilenames(JsonElement element, List<string> names)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if (property.Name == "filename" && property.Value.ValueKind == JsonValueKind.String)
                        {
                            names.Add(property.Value.GetString()!);
                        }
                        else
                        {
                            CollectFilenames(property.Value, names);
                        }
                    }
                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        CollectFilenames(item, names);
                    }
                    break;
            }
        }

        private OnnxGraph ReadGraph(string repoPath)
        {
            try
            {
                return OnnxGraph.Read(Local(repoPath));
            }
            catch (InvalidDataException error)
            {
                throw new ConversionException(ConversionErrorCode.InvalidModel, $"{repoPath} is not a readable ONNX model: {error.Message}", error);
            }
        }

        private JsonDocument ReadJson(string repoPath)
        {
            var local = Local(repoPath);
            if (new FileInfo(local).Length > MaxJsonBytes)
            {
                throw Invalid($"{repoPath} is larger than {ConversionPlanner.FormatBytes(MaxJsonBytes)}; it is not a config file.");
            }
            try
            {
                using var stream = File.OpenRead(local);
                return JsonDocument.Parse(stream, JsonOptions);
            }
            catch (JsonException error)
            {
                throw new ConversionException(ConversionErrorCode.InvalidModel, $"{repoPath} is not valid JSON: {error.Message}", error);
            }
        }

        /// <summary>A JSON file in the model's folder, if the plan fetched it.</summary>
        private JsonDocument? ReadOptionalJson(string name) => _files.ContainsKey(RootPath(name)) ? ReadJson(RootPath(name)) : null;

        private static int? PositiveInt(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) &&
            value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number is > 0 and <= 1_000_000_000
                ? (int)number
                : null;

        private string Resolve(string repoPath)
        {
            string local;
            try
            {
                local = SafeRelativePath.Combine(_download, repoPath);
            }
            catch (UnsafePathException error)
            {
                throw new ConversionException(ConversionErrorCode.UnsafePath, error.Message, error);
            }
            var info = new FileInfo(local);
            if (!info.Exists || info.LinkTarget is not null)
            {
                throw new ConversionException(ConversionErrorCode.MissingFile,
                    info.Exists ? $"'{repoPath}' in the download folder is a link, not a file." : $"'{repoPath}' is missing from the download folder.");
            }
            if (info.Length > _plan.Options.MaxFileBytes)
            {
                throw new ConversionException(ConversionErrorCode.FileTooLarge,
                    $"'{repoPath}' is {ConversionPlanner.FormatBytes(info.Length)}, more than the {ConversionPlanner.FormatBytes(_plan.Options.MaxFileBytes)} allowed for one file.");
            }
            return local;
        }

        private string Local(string repoPath) => _files[repoPath].Local;

        private void MoveTo(string repoPath, string target)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(Local(repoPath), target, overwrite: false);
        }

        private void CopyTo(string repoPath, string target)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Local(repoPath), target, overwrite: false);
        }

        private string RootPath(string name) => Join(_plan.Root, name);

        private string RelativeToRoot(string repoPath) => _plan.Root.Length == 0 ? repoPath : repoPath[(_plan.Root.Length + 1)..];

        private static string FolderOf(string repoPath) => repoPath.LastIndexOf('/') is var slash and >= 0 ? repoPath[..slash] : "";

        private static string Join(string folder, string name) => folder.Length == 0 ? name : $"{folder}/{name}";

        private static ConversionException Invalid(string message) => new(ConversionErrorCode.InvalidModel, message);
    }
}
