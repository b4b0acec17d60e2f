using System.Globalization;
using PolarGrid.Staging;

namespace PolarGrid.Conversion;

/// <summary>Step 1, before any download: which format a repository's files make, and exactly which of them to fetch.</summary>
internal static class ConversionPlanner
{
    public static ConversionPlan Plan(IEnumerable<RepoFile> listing, string? subfolder, ConversionOptions options)
    {
        ArgumentNullException.ThrowIfNull(listing);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var root = NormalizeSubfolder(subfolder);
        var files = new Dictionary<string, RepoFile>(StringComparer.Ordinal);
        foreach (var file in listing)
        {
            // A listing that names a file outside the repository is hostile or broken; nothing from it is trusted.
            if (!SafeRelativePath.IsSafe(file.Path))
            {
                throw new ConversionException(ConversionErrorCode.UnsafePath,
                    $"The repository lists the file '{file.Path}', which is not a safe relative name (absolute, '..', backslash, " +
                    "colon or control characters); nothing from this repository is downloaded.");
            }
            if (file.Size < 0)
            {
                throw new ConversionException(ConversionErrorCode.InvalidModel, $"The repository lists '{file.Path}' with a negative size.");
            }
            files.TryAdd(file.Path, file);
        }

        // Names relative to the model's folder; files outside it are never considered.
        var scoped = new Dictionary<string, RepoFile>(StringComparer.Ordinal);
        foreach (var (path, file) in files)
        {
            if (root.Length == 0)
            {
                scoped[path] = file;
            }
            else if (path.StartsWith(root + "/", StringComparison.Ordinal))
            {
                scoped[path[(root.Length + 1)..]] = file;
            }
        }
        if (scoped.Count == 0)
        {
            throw root.Length > 0
                ? new ConversionException(ConversionErrorCode.SubfolderNotFound, $"The repository has no files under the subfolder '{root}'.")
                : new ConversionException(ConversionErrorCode.UnknownLayout, "The repository has no files.");
        }

        var context = new PlanContext(root, scoped, options);
        var plan = context.TryGenAi() ?? context.TryOnnx() ?? context.TrySafetensors() ?? throw context.Refusal();
        foreach (var file in plan.Files)
        {
            if (file.Size > options.MaxFileBytes)
            {
                throw new ConversionException(ConversionErrorCode.FileTooLarge,
                    $"'{file.Path}' is {FormatBytes(file.Size)}, more than the {FormatBytes(options.MaxFileBytes)} allowed for one file.");
            }
        }
        return plan;
    }

    internal static string NormalizeSubfolder(string? subfolder)
    {
        var root = (subfolder ?? "").Trim().TrimEnd('/');
        if (root.Length > 0 && !SafeRelativePath.IsSafe(root))
        {
            throw new ConversionException(ConversionErrorCode.UnsafePath,
                $"The subfolder '{subfolder}' is not a safe relative folder name (absolute, '..', backslash, colon or control characters).");
        }
        return root;
    }

    internal static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.##} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.##} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };

    private sealed class PlanContext(string root, IReadOnlyDictionary<string, RepoFile> files, ConversionOptions options)
    {
        private string Where => root.Length == 0 ? "the repository root" : $"the subfolder '{root}'";

        private string Flavour => $"this node's flavour {options.Flavour} (backends: {options.Backends})";

        /// <summary>Files directly in the model folder (not in a folder below it).</summary>
        private IEnumerable<string> TopLevel => files.Keys.Where(name => !name.Contains('/', StringComparison.Ordinal));

        /// <summary>Folders below the model folder that hold an onnxruntime-genai model, repo-relative.</summary>
        private List<string> NestedGenAiFolders => files.Keys
            .Where(name => name.EndsWith("/" + HubFiles.GenAiConfig, StringComparison.Ordinal))
            .Select(name => Repo(name[..^(HubFiles.GenAiConfig.Length + 1)]))
            .Order(StringComparer.Ordinal)
            .ToList();

        public ConversionPlan? TryGenAi()
        {
            if (!files.ContainsKey(HubFiles.GenAiConfig))
            {
                return null;
            }
            if (!options.HasGenAi)
            {
                // The folder's decoder would load as a bare ONNX graph (past_key_values in, logits out): useless, so
                // the ONNX format is not tried; vLLM weights beside it are.
                if (options.HasVllm && TrySafetensors() is { } vllm)
                {
                    return vllm;
                }
                throw new ConversionException(ConversionErrorCode.FormatNotServed,
                    $"{Where} holds an onnxruntime-genai model (genai_config.json), which only PolarGridCpu nodes serve (backend " +
                    $"onnxruntime_genai); {Flavour} cannot.");
            }

            var selected = new List<PlannedFile> { Planned(HubFiles.GenAiConfig, FileRole.Model) };
            selected.AddRange(TopLevel
                .Where(name => HubFiles.IsOnnxOrData(name) && !HubFiles.IsCode(name) && !HubFiles.IsPickle(name))
                .Order(StringComparer.Ordinal)
                .Select(name => Planned(name, FileRole.Model)));
            if (selected.Count == 1)
            {
                throw new ConversionException(ConversionErrorCode.UnknownLayout,
                    $"{Where} has a genai_config.json but no .onnx file beside it.");
            }
            if (!files.ContainsKey("tokenizer.json") && !files.ContainsKey("tokenizer.model"))
            {
                throw new ConversionException(ConversionErrorCode.UnknownLayout,
                    $"{Where} has an onnxruntime-genai model without a tokenizer (tokenizer.json or tokenizer.model).");
            }
            selected.AddRange(Present(HubFiles.GenAiTokenizerFiles).Select(name => Planned(name, FileRole.Tokenizer)));
            return Plan(ModelFormat.GenAi, HubFiles.GenAiConfig, selected);
        }

        public ConversionPlan? TryOnnx()
        {
            var model = files.ContainsKey(HubFiles.OnnxModel) ? HubFiles.OnnxModel
                : files.ContainsKey($"{HubFiles.OnnxFolder}/{HubFiles.OnnxModel}") ? $"{HubFiles.OnnxFolder}/{HubFiles.OnnxModel}"
                : null;
            if (model is null)
            {
                return null;
            }

            var folder = model.Contains('/', StringComparison.Ordinal) ? HubFiles.OnnxFolder + "/" : "";
            var selected = new List<PlannedFile> { Planned(model, FileRole.Model) };
            selected.AddRange(files.Keys
                .Where(name => name.StartsWith(folder, StringComparison.Ordinal) &&
                               !name[folder.Length..].Contains('/', StringComparison.Ordinal) &&
                               HubFiles.IsModelOnnxDataName(name[folder.Length..]) &&
                               !HubFiles.IsCode(name) && !HubFiles.IsPickle(name))
                .Order(StringComparer.Ordinal)
                .Select(name => Planned(name, FileRole.ExternalDataCandidate)));
            selected.AddRange(Present(HubFiles.OnnxTokenizerFiles).Select(name => Planned(name, FileRole.Tokenizer)));
            selected.AddRange(Present([HubFiles.TransformersConfig, HubFiles.SentenceBertConfig]).Select(name => Planned(name, FileRole.Metadata)));
            return Plan(ModelFormat.Onnx, model, selected);
        }

        public ConversionPlan? TrySafetensors()
        {
            var weights = TopLevel.Where(name => name.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)).ToList();
            if (weights.Count == 0 || !files.ContainsKey(HubFiles.TransformersConfig))
            {
                return null;
            }
            if (!options.HasVllm)
            {
                throw new ConversionException(ConversionErrorCode.FormatNotServed,
                    $"{Where} holds Transformers weights in safetensors, which only TritonVllm nodes serve (backend vllm); " +
                    $"{Flavour} cannot.{GenAiHint()}");
            }
            var remoteCode = TopLevel.Where(HubFiles.IsRemoteCodeModule).Order(StringComparer.Ordinal).ToList();
            if (remoteCode.Count > 0)
            {
                throw new ConversionException(ConversionErrorCode.RemoteCodeRequired,
                    $"{Where} ships its own model code ({string.Join(", ", remoteCode)}), so loading it would need trust_remote_code; " +
                    "code from a repository is never run.");
            }

            // Transformers' own layout (model.safetensors or model-0000i-of-0000n.safetensors) wins over other copies
            // of the same weights, such as Mistral's consolidated.safetensors.
            var transformers = weights.Where(IsTransformersWeights).ToList();
            var selected = new List<PlannedFile> { Planned(HubFiles.TransformersConfig, FileRole.Model) };
            selected.AddRange((transformers.Count > 0 ? transformers : weights).Order(StringComparer.Ordinal).Select(name => Planned(name, FileRole.Model)));
            selected.AddRange(Present([HubFiles.SafetensorsIndex]).Select(name => Planned(name, FileRole.Model)));
            selected.AddRange(Present(HubFiles.VllmTokenizerFiles).Select(name => Planned(name, FileRole.Tokenizer)));
            return Plan(ModelFormat.Safetensors, HubFiles.TransformersConfig, selected);
        }

        public ConversionException Refusal()
        {
            var pickles = TopLevel.Where(HubFiles.IsPickle).Order(StringComparer.Ordinal).ToList();
            if (pickles.Count > 0)
            {
                return new ConversionException(ConversionErrorCode.PickledWeightsOnly,
                    $"{Where} has only pickled weights ({string.Join(", ", pickles.Take(5))}); pickled weights are never loaded, " +
                    "because unpickling runs code. Use a repository with safetensors, ONNX or an onnxruntime-genai folder.");
            }
            if (NestedGenAiFolders is { Count: > 0 } folders)
            {
                return new ConversionException(ConversionErrorCode.SubfolderRequired,
                    $"{Where} holds no model itself, but onnxruntime-genai models in: {string.Join(", ", folders)}. Name one as the subfolder.");
            }
            var weightsWithoutConfig = TopLevel.Any(name => name.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase));
            var gguf = TopLevel.Any(name => name.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase));
            return new ConversionException(ConversionErrorCode.UnknownLayout,
                $"No servable model in {Where}: looked for genai_config.json (onnxruntime-genai), model.onnx or onnx/model.onnx (ONNX) " +
                "and *.safetensors with config.json (vLLM)." +
                (weightsWithoutConfig ? " There are safetensors files but no config.json (adapters and non-Transformers layouts are not served)." : "") +
                (gguf ? " GGUF files are not served." : ""));
        }

        private string GenAiHint() => NestedGenAiFolders is { Count: > 0 } folders && options.HasGenAi
            ? $" The repository also has onnxruntime-genai models in: {string.Join(", ", folders)}."
            : "";

        private static bool IsTransformersWeights(string name) =>
            name == "model.safetensors" ||
            (name.StartsWith("model-", StringComparison.Ordinal) && name.Contains("-of-", StringComparison.Ordinal) &&
             name.EndsWith(".safetensors", StringComparison.Ordinal));

        private IEnumerable<string> Present(IEnumerable<string> names) => names.Distinct(StringComparer.Ordinal).Where(files.ContainsKey);

        private PlannedFile Planned(string name, FileRole role) => new(Repo(name), files[name].Size, role);

        private string Repo(string name) => root.Length == 0 ? name : $"{root}/{name}";

        private ConversionPlan Plan(ModelFormat format, string primary, List<PlannedFile> selected) =>
            new(format, root, Repo(primary), selected.DistinctBy(file => file.Path).ToList(), options);
    }
}
