using PolarGrid.Conversion;

namespace PolarGrid.Tests.Conversion;

/// <summary>Step 1: formats recognised from a listing alone, the exact files selected, and every refusal.</summary>
public sealed class PlanTests
{
    private static readonly ConversionOptions Cpu = new() { Flavour = TritonFlavour.PolarGridCpu };
    private static readonly ConversionOptions Triton = new() { Flavour = TritonFlavour.Triton, Device = DeviceKind.Gpu };
    private static readonly ConversionOptions Vllm = new() { Flavour = TritonFlavour.TritonVllm, Device = DeviceKind.Gpu };

    /// <summary>sentence-transformers/all-MiniLM-L6-v2 as the Hub lists it: many copies of the weights, code, and one ONNX model.</summary>
    private static readonly RepoFile[] MiniLmListing = Listing(
        ".gitattributes", "1_Pooling/config.json", "README.md", "config.json", "config_sentence_transformers.json",
        "data_config.json", "model.safetensors", "modules.json", "onnx/model.onnx", "onnx/model_O1.onnx",
        "onnx/model_qint8_avx512.onnx", "openvino/openvino_model.bin", "openvino/openvino_model.xml", "pytorch_model.bin",
        "rust_model.ot", "sentence_bert_config.json", "special_tokens_map.json", "tf_model.h5", "tokenizer.json",
        "tokenizer_config.json", "train_script.py", "vocab.txt");

    /// <summary>microsoft/Phi-3-mini-4k-instruct-onnx: no model at the root, genai folders below it.</summary>
    private static readonly RepoFile[] PhiListing = Listing(
        "README.md", "LICENSE", "configuration_phi3.py",
        "cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/added_tokens.json",
        "cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/config.json",
        "cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/configuration_phi3.py",
        "cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/genai_config.json",
        "cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/phi3-mini-4k-instruct-cpu-int4-rtn-block-32-acc-level-4.onnx",
        "cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/phi3-mini-4k-instruct-cpu-int4-rtn-block-32-acc-level-4.onnx.data",
        "cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/special_tokens_map.json",
        "cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/tokenizer.json",
        "cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/tokenizer.model",
        "cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4/tokenizer_config.json",
        "cuda/cuda-int4-rtn-block-32/genai_config.json",
        "cuda/cuda-int4-rtn-block-32/model.onnx",
        "cuda/cuda-int4-rtn-block-32/tokenizer.json");

    private static RepoFile[] Listing(params string[] paths) => paths.Select(path => new RepoFile(path, 1000)).ToArray();

    private static string[] Selected(ConversionPlan plan) => plan.Files.Select(file => file.Path).Order(StringComparer.Ordinal).ToArray();

    private static ConversionException Refused(IEnumerable<RepoFile> files, ConversionOptions options, string? subfolder = null) =>
        Assert.Throws<ConversionException>(() => ModelConverter.Plan(files, subfolder, options));

    [Theory]
    [InlineData("../x")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\..\\b")]
    [InlineData("onnx/../../model.onnx")]
    [InlineData("C:/Windows/model.onnx")]
    [InlineData("a//model.onnx")]
    public void A_listing_with_an_unsafe_name_is_refused_whole(string unsafeName)
    {
        var error = Refused([.. MiniLmListing, new RepoFile(unsafeName, 10)], Cpu);
        Assert.Equal(ConversionErrorCode.UnsafePath, error.Code);
        Assert.Contains(unsafeName, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../other")]
    [InlineData("/abs")]
    [InlineData("a\\b")]
    public void An_unsafe_subfolder_is_refused(string subfolder)
    {
        Assert.Equal(ConversionErrorCode.UnsafePath, Refused(PhiListing, Cpu, subfolder).Code);
    }

    [Fact]
    public void Pickled_weights_alone_are_refused()
    {
        var error = Refused(Listing("config.json", "pytorch_model.bin", "tokenizer.json", "README.md"), Vllm);
        Assert.Equal(ConversionErrorCode.PickledWeightsOnly, error.Code);
        Assert.Contains("pickled weights are never loaded", error.Message, StringComparison.Ordinal);
        Assert.Contains("pytorch_model.bin", error.Message, StringComparison.Ordinal);

        Assert.Equal(ConversionErrorCode.PickledWeightsOnly, Refused(Listing("model.pt", "optimizer.pth", "scaler.pkl"), Cpu).Code);
        Assert.Equal(ConversionErrorCode.PickledWeightsOnly, Refused(Listing("last.ckpt", "weights.joblib", "x.pickle"), Triton).Code);
    }

    [Fact]
    public void A_repository_of_python_files_is_refused_as_unknown()
    {
        var error = Refused(Listing("model.py", "handler.py", "requirements.txt", "README.md"), Vllm);
        Assert.Equal(ConversionErrorCode.UnknownLayout, error.Code);
        Assert.Contains("genai_config.json", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("modeling_custom.py")]
    [InlineData("configuration_custom.py")]
    [InlineData("tokenization_custom.py")]
    public void Safetensors_that_come_with_their_own_model_code_are_refused(string module)
    {
        var error = Refused(Listing("config.json", "model.safetensors", "tokenizer.json", module), Vllm);
        Assert.Equal(ConversionErrorCode.RemoteCodeRequired, error.Code);
        Assert.Contains(module, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_needed_file_over_the_limit_is_refused_but_an_unneeded_one_does_not_matter()
    {
        var options = Cpu with { MaxFileBytes = 50_000_000 };
        var files = MiniLmListing.Select(file => file.Path == "onnx/model.onnx" ? file with { Size = 90_900_000 } : file);
        var error = Refused(files, options);
        Assert.Equal(ConversionErrorCode.FileTooLarge, error.Code);
        Assert.Contains("onnx/model.onnx", error.Message, StringComparison.Ordinal);

        var bigPickle = MiniLmListing.Select(file => file.Path == "pytorch_model.bin" ? file with { Size = 90_900_000 } : file);
        Assert.Equal(ModelFormat.Onnx, ModelConverter.Plan(bigPickle, null, options).Format);
    }

    [Theory]
    [InlineData(TritonFlavour.PolarGridCpu)]
    [InlineData(TritonFlavour.Triton)]
    public void Safetensors_are_refused_on_a_flavour_without_vllm_naming_the_flavour(TritonFlavour flavour)
    {
        var error = Refused(Listing("config.json", "model.safetensors", "tokenizer.json"), new ConversionOptions { Flavour = flavour });
        Assert.Equal(ConversionErrorCode.FormatNotServed, error.Code);
        Assert.Contains(flavour.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("vllm", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TritonFlavour.Triton)]
    [InlineData(TritonFlavour.TritonVllm)]
    public void A_genai_folder_is_refused_where_there_is_no_genai_backend(TritonFlavour flavour)
    {
        var error = Refused(PhiListing, new ConversionOptions { Flavour = flavour }, "cuda/cuda-int4-rtn-block-32");
        Assert.Equal(ConversionErrorCode.FormatNotServed, error.Code);
        Assert.Contains("onnxruntime_genai", error.Message, StringComparison.Ordinal);
        Assert.Contains(flavour.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_layouts_are_refused()
    {
        Assert.Equal(ConversionErrorCode.UnknownLayout, Refused(Listing("README.md", "model-q4_k_m.gguf"), Vllm).Code);
        // Adapters and other safetensors without a Transformers config.json.
        var adapter = Refused(Listing("adapter_config.json", "adapter_model.safetensors"), Vllm);
        Assert.Equal(ConversionErrorCode.UnknownLayout, adapter.Code);
        Assert.Contains("config.json", adapter.Message, StringComparison.Ordinal);
        // ONNX models under other names are not guessed at.
        Assert.Equal(ConversionErrorCode.UnknownLayout, Refused(Listing("onnx/model_quantized.onnx", "tokenizer.json"), Cpu).Code);
        Assert.Equal(ConversionErrorCode.UnknownLayout, Refused([], Cpu).Code);
    }

    [Fact]
    public void A_genai_folder_without_a_tokenizer_is_refused()
    {
        var error = Refused(Listing("genai_config.json", "model.onnx", "model.onnx.data"), Cpu);
        Assert.Equal(ConversionErrorCode.UnknownLayout, error.Code);
        Assert.Contains("tokenizer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Impossible_options_are_refused()
    {
        Assert.Equal(ConversionErrorCode.InvalidOptions, Refused(MiniLmListing, Cpu with { Device = DeviceKind.Gpu }).Code);
        Assert.Equal(ConversionErrorCode.InvalidOptions, Refused(MiniLmListing, Cpu with { MaxBatchSize = -1 }).Code);
        Assert.Equal(ConversionErrorCode.InvalidOptions, Refused(MiniLmListing, Cpu with { MaxFileBytes = 0 }).Code);
    }

    [Theory]
    [InlineData(TritonFlavour.PolarGridCpu)]
    [InlineData(TritonFlavour.Triton)]
    [InlineData(TritonFlavour.TritonVllm)]
    public void MiniLm_is_planned_as_onnx_with_exactly_its_model_tokenizer_and_config(TritonFlavour flavour)
    {
        var plan = ModelConverter.Plan(MiniLmListing, null, new ConversionOptions { Flavour = flavour });

        Assert.Equal(ModelFormat.Onnx, plan.Format);
        Assert.Equal("onnx/model.onnx", plan.PrimaryFile);
        Assert.Equal(
            ["config.json", "onnx/model.onnx", "sentence_bert_config.json", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"],
            Selected(plan));
        Assert.Equal(FileRole.Tokenizer, plan.Files.Single(file => file.Path == "vocab.txt").Role);
        Assert.Equal(7000, plan.TotalBytes);
    }

    [Fact]
    public void External_data_of_model_onnx_is_selected_but_other_exports_are_not()
    {
        var plan = ModelConverter.Plan(Listing(
            "onnx/model.onnx", "onnx/model.onnx_data", "onnx/model_fp16.onnx", "onnx/model_fp16.onnx_data",
            "onnx/model.onnx.data.bin", "model.onnx_data", "config.json", "tokenizer.json"), null, Cpu);

        Assert.Equal(["config.json", "onnx/model.onnx", "onnx/model.onnx_data", "tokenizer.json"], Selected(plan));
        Assert.Equal(FileRole.ExternalDataCandidate, plan.Files.Single(file => file.Path == "onnx/model.onnx_data").Role);
    }

    [Fact]
    public void Without_a_subfolder_a_repository_of_genai_folders_asks_for_one()
    {
        var error = Refused(PhiListing, Cpu);
        Assert.Equal(ConversionErrorCode.SubfolderRequired, error.Code);
        Assert.Contains("cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4", error.Message, StringComparison.Ordinal);
        Assert.Contains("cuda/cuda-int4-rtn-block-32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_genai_subfolder_selects_its_model_and_tokenizer_files_and_nothing_outside_it()
    {
        const string folder = "cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4";
        var plan = ModelConverter.Plan(PhiListing, folder + "/", Cpu);

        Assert.Equal(ModelFormat.GenAi, plan.Format);
        Assert.Equal(folder, plan.Root);
        Assert.Equal($"{folder}/genai_config.json", plan.PrimaryFile);
        Assert.Equal(
            new[]
            {
                "added_tokens.json", "genai_config.json",
                "phi3-mini-4k-instruct-cpu-int4-rtn-block-32-acc-level-4.onnx",
                "phi3-mini-4k-instruct-cpu-int4-rtn-block-32-acc-level-4.onnx.data",
                "special_tokens_map.json", "tokenizer.json", "tokenizer.model", "tokenizer_config.json",
            }.Select(name => $"{folder}/{name}"),
            Selected(plan));
        Assert.DoesNotContain(plan.Files, file => file.Path.EndsWith(".py", StringComparison.Ordinal));
    }

    [Fact]
    public void A_subfolder_without_files_is_refused()
    {
        Assert.Equal(ConversionErrorCode.SubfolderNotFound, Refused(PhiListing, Cpu, "cpu_and_mobile/missing").Code);
        // A prefix of a folder name is not the folder.
        Assert.Equal(ConversionErrorCode.SubfolderNotFound, Refused(PhiListing, Cpu, "cpu_and_mob").Code);
    }

    [Fact]
    public void Sharded_safetensors_select_the_transformers_shards_with_index_config_and_tokenizer_but_no_code_or_pickles()
    {
        var plan = ModelConverter.Plan(Listing(
            "config.json", "generation_config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
            "model.safetensors.index.json", "consolidated.safetensors", "params.json", "pytorch_model-00001-of-00002.bin",
            "pytorch_model.bin.index.json", "tokenizer.json", "tokenizer_config.json", "tokenizer.model", "special_tokens_map.json",
            "handler.py", "README.md", "original/consolidated.00.pth", "subdir/model.safetensors"), null, Vllm);

        Assert.Equal(ModelFormat.Safetensors, plan.Format);
        Assert.Equal("config.json", plan.PrimaryFile);
        Assert.Equal(
            [
                "config.json", "generation_config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                "model.safetensors.index.json", "special_tokens_map.json", "tokenizer.json", "tokenizer.model", "tokenizer_config.json",
            ],
            Selected(plan));
    }

    [Fact]
    public void Safetensors_in_another_layout_are_taken_whole()
    {
        var plan = ModelConverter.Plan(Listing("config.json", "weights.safetensors", "tokenizer.json"), null, Vllm);
        Assert.Equal(["config.json", "tokenizer.json", "weights.safetensors"], Selected(plan));
    }

    [Fact]
    public void Onnx_wins_over_safetensors_and_genai_over_onnx()
    {
        Assert.Equal(ModelFormat.Onnx, ModelConverter.Plan(MiniLmListing, null, Vllm).Format);

        var genai = Listing("genai_config.json", "model.onnx", "model.onnx.data", "tokenizer.json", "config.json", "model.safetensors");
        Assert.Equal(ModelFormat.GenAi, ModelConverter.Plan(genai, null, Cpu).Format);
        // Where genai is not served, the folder's decoder is not offered as a bare ONNX graph; vLLM takes the weights.
        Assert.Equal(ModelFormat.Safetensors, ModelConverter.Plan(genai, null, Vllm).Format);
        Assert.Equal(ConversionErrorCode.FormatNotServed, Refused(genai, Triton).Code);
    }

    [Fact]
    public void A_plan_survives_a_json_round_trip()
    {
        var plan = ModelConverter.Plan(MiniLmListing, null, Vllm with { MaxBatchSize = 4 });
        var json = System.Text.Json.JsonSerializer.Serialize(plan);
        var back = System.Text.Json.JsonSerializer.Deserialize<ConversionPlan>(json)!;

        Assert.Contains("\"Onnx\"", json, StringComparison.Ordinal);
        Assert.Equal(plan.Format, back.Format);
        Assert.Equal(plan.PrimaryFile, back.PrimaryFile);
        Assert.Equal(plan.Options, back.Options);
        Assert.Equal(plan.Files, back.Files);
    }
}
