using Google.Protobuf;
using Inference;
using PolarGrid.Contracts;
using PolarGrid.Tests.InferenceServer.TextFormat;
using InstanceKind = Inference.ModelInstanceGroup.Types.Kind;

namespace PolarGrid.Tests.InferenceServer;

/// <summary>Model configurations written the way Triton's own examples and users write them.</summary>
internal static class TritonConfigs
{
    public const string OnnxWithListSyntax = """
        name: "simple"
        platform: "onnxruntime_onnx"
        max_batch_size: 8
        version_policy: { latest { num_versions: 2 } }
        input [
          {
            name: "INPUT0"
            data_type: TYPE_INT32
            dims: [ 16 ]
          },
          {
            name: "INPUT1"
            data_type: TYPE_INT32
            dims: [ 16 ]
          }
        ]
        output [ { name: "OUTPUT0", data_type: TYPE_INT32, dims: [ -1, 16 ] } ]
        instance_group [ { count: 2, kind: KIND_CPU } ]
        dynamic_batching { preferred_batch_size: [ 4, 8 ] max_queue_delay_microseconds: 100 }
        parameters { key: "EXECUTION_ENV_PATH" value: { string_value: "$$TRITON_MODEL_DIRECTORY/env.tar.gz" } }
        model_transaction_policy { decoupled: True }
        """;

    public const string Vllm = """
        # Disabling batching in Triton, let vLLM handle the batching on its own.
        backend: "vllm"
        max_batch_size: 0

        # Decoupled mode streams responses as the engine produces them.
        model_transaction_policy {
          decoupled: True
        }

        input [
          {
            name: "text_input"
            data_type: TYPE_STRING
            dims: [ 1 ]
          },
          {
            name: "stream"
            data_type: TYPE_BOOL
            dims: [ 1 ]
            optional: true
          }
        ]

        output [
          {
            name: "text_output"
            data_type: TYPE_STRING
            dims: [ -1 ]
          }
        ]

        # The vLLM engine places the model on GPUs itself.
        instance_group [
          {
            count: 1
            kind: KIND_MODEL
          }
        ]
        """;

    public const string TensorRtWithEveryDelimiter = """
        # Angle brackets, semicolons, single quotes and hex all appear in real-world configs.
        name: 'resnet50_trt'; platform: "tensorrt_plan"
        max_batch_size: 0x10
        version_policy < specific < versions: [1, 3] > >
        input <
          name: "input"
          data_type: TYPE_FP32
          format: FORMAT_NCHW
          dims: [ 3, 224, 224 ]
          reshape: { shape: [ ] }
        >
        output { name: "probs" data_type: TYPE_FP32 dims: 1000 label_filename: "labels.txt" }
        instance_group { name: "gpu_group" count: 2 gpus: [0, 1] kind: KIND_GPU profile: ["0", "1"] }
        instance_group { kind: KIND_CPU, passive: true }
        default_model_filename: "model.plan"
        cc_model_filenames { key: "8.6" value: "model_sm86.plan" }
        cc_model_filenames [ { key: "9.0", value: "model_sm90.plan" } ]
        metric_tags: { key: "team" value: "vision" }
        sequence_batching { }
        """;

    public const string PythonWithQueuePolicy = "backend: \"python\"\r\n"
        + "dynamic_batching {\r\n"
        + "\tmax_queue_delay_microseconds: 500\r\n"
        + "\tpreserve_ordering: true\r\n"
        + "\tpriority_levels: 2\r\n"
        + "\tdefault_priority_level: 1\r\n"
        + "\tdefault_queue_policy { timeout_action: DELAY default_timeout_microseconds: 100000 allow_timeout_override: t max_queue_size: 16 }\r\n"
        + "}\r\n"
        + "parameters: { key: \"SHM_DEFAULT_BYTE_SIZE\" value: { string_value: \"1048576\" } }\r\n"
        + "parameters: { key: \"FORCE_CPU_ONLY_INPUT_TENSORS\" value: { string_value: \"no\" } }\r\n";

    public static TheoryData<string> All => new()
    {
        OnnxWithListSyntax,
        Vllm,
        TensorRtWithEveryDelimiter,
        PythonWithQueuePolicy,
    };
}

public sealed class TritonConfigParsingTests
{
    [Fact]
    public void ParsesOnnxConfigWrittenWithListSyntax()
    {
        var expected = new ModelConfig
        {
            Name = "simple",
            Platform = "onnxruntime_onnx",
            MaxBatchSize = 8,
            VersionPolicy = new ModelVersionPolicy { Latest = new ModelVersionPolicy.Types.Latest { NumVersions = 2 } },
            Input =
            {
                new ModelInput { Name = "INPUT0", DataType = DataType.TypeInt32, Dims = { 16 } },
                new ModelInput { Name = "INPUT1", DataType = DataType.TypeInt32, Dims = { 16 } },
            },
            Output = { new ModelOutput { Name = "OUTPUT0", DataType = DataType.TypeInt32, Dims = { -1, 16 } } },
            InstanceGroup = { new ModelInstanceGroup { Count = 2, Kind = InstanceKind.Cpu } },
            DynamicBatching = new ModelDynamicBatching { PreferredBatchSize = { 4, 8 }, MaxQueueDelayMicroseconds = 100 },
            Parameters = { ["EXECUTION_ENV_PATH"] = new ModelParameter { StringValue = "$$TRITON_MODEL_DIRECTORY/env.tar.gz" } },
            ModelTransactionPolicy = new ModelTransactionPolicy { Decoupled = true },
        };

        Assert.Equal(expected, ProtobufTextFormat.Parse<ModelConfig>(TritonConfigs.OnnxWithListSyntax));
    }

    [Fact]
    public void ParsesVllmConfig()
    {
        var expected = new ModelConfig
        {
            Backend = "vllm",
            ModelTransactionPolicy = new ModelTransactionPolicy { Decoupled = true },
            Input =
            {
                new ModelInput { Name = "text_input", DataType = DataType.TypeString, Dims = { 1 } },
                new ModelInput { Name = "stream", DataType = DataType.TypeBool, Dims = { 1 }, Optional = true },
            },
            Output = { new ModelOutput { Name = "text_output", DataType = DataType.TypeString, Dims = { -1 } } },
            InstanceGroup = { new ModelInstanceGroup { Count = 1, Kind = InstanceKind.Model } },
        };

        Assert.Equal(expected, ProtobufTextFormat.Parse<ModelConfig>(TritonConfigs.Vllm));
    }

    [Fact]
    public void ParsesAngleBracketsSemicolonsMapsAndEmptyMessages()
    {
        var expected = new ModelConfig
        {
            Name = "resnet50_trt",
            Platform = "tensorrt_plan",
            MaxBatchSize = 16,
            VersionPolicy = new ModelVersionPolicy { Specific = new ModelVersionPolicy.Types.Specific { Versions = { 1, 3 } } },
            Input =
            {
                new ModelInput
                {
                    Name = "input",
                    DataType = DataType.TypeFp32,
                    Format = ModelInput.Types.Format.Nchw,
                    Dims = { 3, 224, 224 },
                    Reshape = new ModelTensorReshape(),
                },
            },
            Output = { new ModelOutput { Name = "probs", DataType = DataType.TypeFp32, Dims = { 1000 }, LabelFilename = "labels.txt" } },
            InstanceGroup =
            {
                new ModelInstanceGroup { Name = "gpu_group", Count = 2, Gpus = { 0, 1 }, Kind = InstanceKind.Gpu, Profile = { "0", "1" } },
                new ModelInstanceGroup { Kind = InstanceKind.Cpu, Passive = true },
            },
            DefaultModelFilename = "model.plan",
            CcModelFilenames = { ["8.6"] = "model_sm86.plan", ["9.0"] = "model_sm90.plan" },
            MetricTags = { ["team"] = "vision" },
            SequenceBatching = new ModelSequenceBatching(),
        };

        ModelConfig parsed = ProtobufTextFormat.Parse<ModelConfig>(TritonConfigs.TensorRtWithEveryDelimiter);

        Assert.Equal(expected, parsed);
        Assert.NotNull(parsed.Input[0].Reshape);
    }

    [Fact]
    public void ParsesCrlfTabsAndNestedQueuePolicy()
    {
        var expected = new ModelConfig
        {
            Backend = "python",
            DynamicBatching = new ModelDynamicBatching
            {
                MaxQueueDelayMicroseconds = 500,
                PreserveOrdering = true,
                PriorityLevels = 2,
                DefaultPriorityLevel = 1,
                DefaultQueuePolicy = new ModelQueuePolicy
                {
                    TimeoutAction = ModelQueuePolicy.Types.TimeoutAction.Delay,
                    DefaultTimeoutMicroseconds = 100000,
                    AllowTimeoutOverride = true,
                    MaxQueueSize = 16,
                },
            },
            Parameters =
            {
                ["SHM_DEFAULT_BYTE_SIZE"] = new ModelParameter { StringValue = "1048576" },
                ["FORCE_CPU_ONLY_INPUT_TENSORS"] = new ModelParameter { StringValue = "no" },
            },
        };

        Assert.Equal(expected, ProtobufTextFormat.Parse<ModelConfig>(TritonConfigs.PythonWithQueuePolicy));
    }

    [Fact]
    public void DescriptorOverloadBuildsTheGeneratedType()
    {
        IMessage parsed = ProtobufTextFormat.Parse(TritonConfigs.Vllm, ModelConfig.Descriptor);

        Assert.Equal(ProtobufTextFormat.Parse<ModelConfig>(TritonConfigs.Vllm), Assert.IsType<ModelConfig>(parsed));
    }

    [Fact]
    public void EmptyAndCommentOnlyTextParsesToAnEmptyMessage()
    {
        Assert.Equal(new ModelConfig(), ProtobufTextFormat.Parse<ModelConfig>(""));
        Assert.Equal(new ModelConfig(), ProtobufTextFormat.Parse<ModelConfig>("  # nothing here\n\n# still nothing"));
    }
}

public sealed class ParseErrorTests
{
    [Fact]
    public void UnknownFieldReportsFileLineColumnAndMessageType()
    {
        const string config = """
            name: "simple"
            input [
              {
                name: "INPUT0"
                data_type: TYPE_INT32
                dims: [ 16 ]
              }
            ]
            dynamic_batching {
              preferred_batch_size: [ 4, 8 ]
              default_queue_policy {
                max_queue_sise: 4
              }
            }
            """;

        var error = Assert.Throws<TextFormatException>(() => ProtobufTextFormat.Parse<ModelConfig>(config, "config.pbtxt"));

        Assert.Equal("config.pbtxt:12:5: unknown field 'max_queue_sise' in inference.ModelQueuePolicy", error.Message);
        Assert.Equal(12, error.Line);
        Assert.Equal(5, error.Column);
        Assert.Equal("config.pbtxt", error.SourceName);
        Assert.Equal("unknown field 'max_queue_sise' in inference.ModelQueuePolicy", error.Reason);
    }

    [Fact]
    public void MessageOmitsSourceNameWhenNoneIsGiven()
    {
        var error = Assert.Throws<TextFormatException>(() => ProtobufTextFormat.Parse<ModelConfig>("\n    max_batchsize: 8"));

        Assert.Equal("2:5: unknown field 'max_batchsize' in inference.ModelConfig", error.Message);
        Assert.Null(error.SourceName);
    }

    [Theory]
    [InlineData("name: \"a\"\nname: \"b\"", 2, 1, "non-repeated field 'name' is specified multiple times")]
    [InlineData("max_batch_size: 0\nmax_batch_size: 0", 2, 1, "non-repeated field 'max_batch_size' is specified multiple times")]
    [InlineData("version_policy { all { } }\nversion_policy { all { } }", 2, 1, "non-repeated field 'version_policy' is specified multiple times")]
    [InlineData("dynamic_batching { }\nsequence_batching { }", 2, 1, "field 'sequence_batching' cannot be set together with 'dynamic_batching': both belong to oneof 'scheduling_choice'")]
    [InlineData("max_batch_size: \"8\"", 1, 17, "expected an integer for int32 field 'max_batch_size', found \"8\"")]
    [InlineData("max_batch_size: 1.5", 1, 17, "expected an integer for int32 field 'max_batch_size', found '1.5'")]
    [InlineData("max_batch_size: 2147483648", 1, 17, "2147483648 is out of range for int32 field 'max_batch_size'")]
    [InlineData("version_policy { latest { num_versions: -1 } }", 1, 41, "-1 is out of range for uint32 field 'num_versions'")]
    [InlineData("input { data_type: TYPE_FLOAT32 }", 1, 20, "unknown value 'TYPE_FLOAT32' for enum inference.DataType in field 'data_type'")]
    [InlineData("input { data_type: \"TYPE_FP32\" }", 1, 20, "expected a value name of enum inference.DataType for field 'data_type', found \"TYPE_FP32\"")]
    [InlineData("model_transaction_policy { decoupled: yes }", 1, 39, "expected true or false for bool field 'decoupled', found 'yes'")]
    [InlineData("max_batch_size 8", 1, 16, "expected ':' after field name 'max_batch_size', found '8'")]
    [InlineData("name: [\"a\"]", 1, 7, "string field 'name' is not repeated, so it cannot take a list")]
    [InlineData("version_policy: 1", 1, 17, "expected '{' or '<' to open inference.ModelVersionPolicy field 'version_policy', found '1'")]
    [InlineData("input [ { name: \"a\" } { name: \"b\" } ]", 1, 23, "expected ',' or ']' in the list of inference.ModelInput field 'input', found '{'")]
    [InlineData("input { name: \"x\" >", 1, 19, "expected a field name, found '>'")]
    [InlineData("input {\n  name: \"x\"\n", 3, 1, "missing '}' to close field 'input' opened at 1:7")]
    [InlineData("}", 1, 1, "expected a field name, found '}'")]
    [InlineData("[inference.extension]: 1", 1, 1, "extension and Any fields ('[...]') are not supported")]
    [InlineData("name: \"abc\nplatform: \"x\"", 1, 7, "string literal is missing its closing \"")]
    [InlineData("name: \"a\\qb\"", 1, 9, "unknown escape sequence '\\q'")]
    [InlineData("input { name: \"\\xff\" }", 1, 15, "the value of string field 'name' is not valid UTF-8")]
    [InlineData("instance_group { gpus: 08 }", 1, 24, "a number with a leading zero is octal and may only contain the digits 0-7")]
    [InlineData("max_batch_size: 12abc", 1, 19, "a number must be separated from the name that follows it by whitespace")]
    [InlineData("parameters { key: \"a\" key: \"b\" }", 1, 23, "non-repeated field 'key' is specified multiple times")]
    [InlineData("parameters { key: \"a\" val { } }", 1, 23, "unknown field 'val' in inference.ModelConfig.ParametersEntry")]
    public void RejectsInvalidConfigAtTheOffendingToken(string config, int line, int column, string reason)
    {
        var error = Assert.Throws<TextFormatException>(() => ProtobufTextFormat.Parse<ModelConfig>(config));

        Assert.Equal(reason, error.Reason);
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Fact]
    public void IsAFormatException()
    {
        Assert.ThrowsAny<FormatException>(() => ProtobufTextFormat.Parse<ModelConfig>("bogus: 1"));
    }
}

public sealed class ScalarParsingTests
{
    private static Scalars Parse(string text) => ProtobufTextFormat.Parse<Scalars>(text);

    [Theory]
    [InlineData("0", 0)]
    [InlineData("-2147483648", int.MinValue)]
    [InlineData("2147483647", int.MaxValue)]
    [InlineData("0x7FFFFFFF", int.MaxValue)]
    [InlineData("-0x80000000", int.MinValue)]
    [InlineData("017", 15)]
    [InlineData("- 5", -5)]
    public void ParsesSigned32BitLiterals(string literal, int expected)
    {
        Scalars parsed = Parse($"int32_value: {literal} sint32_value: {literal} sfixed32_value: {literal}");

        Assert.Equal(new[] { expected, expected, expected }, new[] { parsed.Int32Value, parsed.Sint32Value, parsed.Sfixed32Value });
    }

    [Theory]
    [InlineData("-9223372036854775808", long.MinValue)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("0x7fffffffffffffff", long.MaxValue)]
    [InlineData("-0777", -511)]
    public void ParsesSigned64BitLiterals(string literal, long expected)
    {
        Scalars parsed = Parse($"int64_value: {literal} sint64_value: {literal} sfixed64_value: {literal}");

        Assert.Equal(new[] { expected, expected, expected }, new[] { parsed.Int64Value, parsed.Sint64Value, parsed.Sfixed64Value });
    }

    [Theory]
    [InlineData("4294967295", uint.MaxValue)]
    [InlineData("0xFFFFFFFF", uint.MaxValue)]
    [InlineData("037777777777", uint.MaxValue)]
    public void ParsesUnsigned32BitLiterals(string literal, uint expected)
    {
        Scalars parsed = Parse($"uint32_value: {literal} fixed32_value: {literal}");

        Assert.Equal(new[] { expected, expected }, new[] { parsed.Uint32Value, parsed.Fixed32Value });
    }

    [Theory]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    [InlineData("0xFFFFFFFFFFFFFFFF", ulong.MaxValue)]
    [InlineData("01777777777777777777777", ulong.MaxValue)]
    [InlineData("0", 0ul)]
    public void ParsesUnsigned64BitLiterals(string literal, ulong expected)
    {
        Scalars parsed = Parse($"uint64_value: {literal} fixed64_value: {literal}");

        Assert.Equal(new[] { expected, expected }, new[] { parsed.Uint64Value, parsed.Fixed64Value });
    }

    [Theory]
    [InlineData("int32_value", "2147483648")]
    [InlineData("int32_value", "-2147483649")]
    [InlineData("sfixed32_value", "0x80000000")]
    [InlineData("uint32_value", "4294967296")]
    [InlineData("uint32_value", "-1")]
    [InlineData("int64_value", "9223372036854775808")]
    [InlineData("int64_value", "-9223372036854775809")]
    [InlineData("uint64_value", "18446744073709551616")]
    [InlineData("uint64_value", "0x10000000000000000")]
    [InlineData("fixed64_value", "02000000000000000000000")]
    [InlineData("color", "2147483648")]
    public void RejectsOutOfRangeIntegers(string field, string literal)
    {
        var error = Assert.Throws<TextFormatException>(() => Parse($"{field}: {literal}"));

        Assert.StartsWith($"{literal} is out of range for ", error.Reason);
        Assert.EndsWith($" field '{field}'", error.Reason);
        Assert.Equal(field.Length + 3, error.Column);
    }

    [Theory]
    [InlineData("1.5", 1.5)]
    [InlineData("-2e-3", -0.002)]
    [InlineData("1f", 1.0)]
    [InlineData("1.5F", 1.5)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5.0)]
    [InlineData("10", 10.0)]
    [InlineData("1E+2", 100.0)]
    [InlineData("inf", double.PositiveInfinity)]
    [InlineData("-inf", double.NegativeInfinity)]
    [InlineData("Infinity", double.PositiveInfinity)]
    [InlineData("-INF", double.NegativeInfinity)]
    public void ParsesFloatingPointLiterals(string literal, double expected)
    {
        Scalars parsed = Parse($"double_value: {literal} float_value: {literal}");

        Assert.Equal(expected, parsed.DoubleValue);
        Assert.Equal((float)expected, parsed.FloatValue);
    }

    [Fact]
    public void ParsesNanNegativeZeroAndFloatPrecisionDirectly()
    {
        Scalars parsed = Parse("double_value: nan float_value: NaN repeated_double: -0 repeated_float: 0.1");

        Assert.True(double.IsNaN(parsed.DoubleValue));
        Assert.True(float.IsNaN(parsed.FloatValue));
        Assert.True(double.IsNegative(parsed.RepeatedDouble[0]));
        Assert.Equal(0.1f, parsed.RepeatedFloat[0]);
    }

    [Theory]
    [InlineData("0x10")]
    [InlineData("010")]
    [InlineData("\"1.5\"")]
    [InlineData("infinite")]
    public void RejectsNonDecimalFloatingPointLiterals(string literal)
    {
        var error = Assert.Throws<TextFormatException>(() => Parse($"double_value: {literal}"));

        Assert.StartsWith("expected a decimal number, inf or nan for double field 'double_value'", error.Reason);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("t", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    [InlineData("f", false)]
    [InlineData("0", false)]
    public void ParsesBooleanSpellings(string literal, bool expected)
    {
        Assert.Equal(expected, Parse($"bool_value: {literal}").BoolValue);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("TRUE")]
    [InlineData("\"true\"")]
    public void RejectsOtherBooleanSpellings(string literal)
    {
        Assert.Throws<TextFormatException>(() => Parse($"bool_value: {literal}"));
    }

    [Fact]
    public void DecodesEveryStringEscape()
    {
        Scalars parsed = Parse("""
            string_value: "tab\there\nquote\" apostrophe\' backslash\\ \x41\101\u00e9\U0001F600\ud83d\ude00 \a\b\f\v\r\?"
            """);

        Assert.Equal("tab\there\nquote\" apostrophe' backslash\\ AAé😀😀 \a\b\f\v\r?", parsed.StringValue);
    }

    [Fact]
    public void ConcatenatesAdjacentLiteralsOfEitherQuote()
    {
        Scalars parsed = Parse("string_value: \"abc\" 'd\"e' # comment between parts\n \"f\"");

        Assert.Equal("abcd\"ef", parsed.StringValue);
    }

    [Fact]
    public void KeepsRawUnicodeText()
    {
        Assert.Equal("héllo 世界 🎉", Parse("string_value: 'héllo 世界 🎉'").StringValue);
    }

    [Fact]
    public void BytesTakeRawByteEscapes()
    {
        Scalars parsed = Parse("bytes_value: \"\\xff\\x0\\377\\0A\\u00e9\"");

        Assert.Equal(new byte[] { 0xFF, 0x00, 0xFF, 0x00, 0x41, 0xC3, 0xA9 }, parsed.BytesValue.ToByteArray());
    }

    [Theory]
    [InlineData("\"\\x\"", "'\\x' must be followed by one or two hexadecimal digits")]
    [InlineData("\"\\u12\"", "a Unicode escape needs exactly 4 hexadecimal digits")]
    [InlineData("\"\\ud800\"", "'\\ud800' is not a Unicode character (unpaired surrogate or beyond U+10FFFF)")]
    [InlineData("\"\\ud800\\u0041\"", "'\\ud800\\u0041' is not a Unicode character (unpaired surrogate or beyond U+10FFFF)")]
    [InlineData("\"\\U00110000\"", "'\\U00110000' is not a Unicode character (unpaired surrogate or beyond U+10FFFF)")]
    [InlineData("\"\\400\"", "octal escape '\\400' exceeds one byte (the maximum is \\377)")]
    [InlineData("'abc", "string literal is missing its closing '")]
    public void RejectsMalformedStringLiterals(string literal, string reason)
    {
        var error = Assert.Throws<TextFormatException>(() => Parse($"bytes_value: {literal}"));

        Assert.Equal(reason, error.Reason);
    }

    [Fact]
    public void ParsesEnumsByNameAndNumberIncludingUndeclaredNumbers()
    {
        Scalars parsed = Parse("color: BLUE repeated_color: [RED, 2, -3, 42]");

        Assert.Equal(Color.Blue, parsed.Color);
        Assert.Equal(new[] { Color.Red, Color.Green, Color.Blue, (Color)42 }, parsed.RepeatedColor);
    }

    [Fact]
    public void AccumulatesRepeatedFieldsAcrossEntryAndListSyntax()
    {
        Scalars parsed = Parse("""
            repeated_int32: 1
            repeated_int32: [2, 3]
            repeated_int32: []
            repeated_int32: 4
            repeated_int64: [-9223372036854775808]
            repeated_uint32: [0xffffffff]
            repeated_uint64: 18446744073709551615
            repeated_sint32: [-1, 1]
            repeated_sint64: [-1]
            repeated_fixed32: [7]
            repeated_fixed64: [8]
            repeated_sfixed32: [-7]
            repeated_sfixed64: [-8]
            repeated_float: [1, 2.5, inf]
            repeated_double: [-1e300]
            repeated_bool: [true, f, 1]
            repeated_string: ["a", 'b']
            repeated_bytes: "x"
            repeated_color: [RED]
            repeated_nested [ { id: 1 }, < id: 2 > ]
            repeated_nested { id: 3 }
            repeated_nested: { id: 4 children [ { label: "leaf" } ] }
            """);

        var expected = new Scalars
        {
            RepeatedInt32 = { 1, 2, 3, 4 },
            RepeatedInt64 = { long.MinValue },
            RepeatedUint32 = { uint.MaxValue },
            RepeatedUint64 = { ulong.MaxValue },
            RepeatedSint32 = { -1, 1 },
            RepeatedSint64 = { -1 },
            RepeatedFixed32 = { 7 },
            RepeatedFixed64 = { 8 },
            RepeatedSfixed32 = { -7 },
            RepeatedSfixed64 = { -8 },
            RepeatedFloat = { 1f, 2.5f, float.PositiveInfinity },
            RepeatedDouble = { -1e300 },
            RepeatedBool = { true, false, true },
            RepeatedString = { "a", "b" },
            RepeatedBytes = { ByteString.CopyFromUtf8("x") },
            RepeatedColor = { Color.Red },
            RepeatedNested =
            {
                new Nested { Id = 1 },
                new Nested { Id = 2 },
                new Nested { Id = 3 },
                new Nested { Id = 4, Children = { new Nested { Label = "leaf" } } },
            },
        };
        Assert.Equal(expected, parsed);
    }

    [Fact]
    public void MapEntriesAccumulateWithLastKeyWinningAndMissingPartsDefaulted()
    {
        Scalars parsed = Parse("""
            int_to_string { key: 2 value: "two" }
            int_to_string { key: -1 value: "minus one" }
            int_to_string [ { key: 3, value: "three" }, { key: 2, value: "deux" } ]
            int_to_string { value: "zero" }
            int_to_string { key: 5 }
            string_to_nested { key: "a" value { id: 1 } }
            string_to_nested < key: "b" >
            bool_to_color { key: true value: BLUE }
            """);

        var expected = new Scalars
        {
            IntToString = { [2] = "deux", [-1] = "minus one", [3] = "three", [0] = "zero", [5] = "" },
            StringToNested = { ["a"] = new Nested { Id = 1 }, ["b"] = new Nested() },
            BoolToColor = { [true] = Color.Blue },
        };
        Assert.Equal(expected, parsed);
    }

    [Fact]
    public void SettingAOneofMemberToItsDefaultStillSelectsIt()
    {
        Scalars parsed = Parse("choice_int64: 0");

        Assert.Equal(Scalars.ChoiceOneofCase.ChoiceInt64, parsed.ChoiceCase);
    }

    [Fact]
    public void ExplicitPresenceFieldSetToZeroIsPresent()
    {
        Assert.True(Parse("optional_int32: 0").HasOptionalInt32);
    }

    [Fact]
    public void AcceptsSeparatorsAndCommentsAnywhere()
    {
        Scalars parsed = Parse("int32_value:1;int64_value : 2 ,# comment\nnested{id:3;}#end");

        Assert.Equal(new Scalars { Int32Value = 1, Int64Value = 2, Nested = new Nested { Id = 3 } }, parsed);
    }
}

public sealed class FormatTests
{
    [Fact]
    public void WritesCanonicalModelConfig()
    {
        const string expected = """
            name: "simple"
            platform: "onnxruntime_onnx"
            version_policy {
              latest {
                num_versions: 2
              }
            }
            max_batch_size: 8
            input {
              name: "INPUT0"
              data_type: TYPE_INT32
              dims: 16
            }
            input {
              name: "INPUT1"
              data_type: TYPE_INT32
              dims: 16
            }
            output {
              name: "OUTPUT0"
              data_type: TYPE_INT32
              dims: -1
              dims: 16
            }
            instance_group {
              count: 2
              kind: KIND_CPU
            }
            dynamic_batching {
              preferred_batch_size: 4
              preferred_batch_size: 8
              max_queue_delay_microseconds: 100
            }
            parameters {
              key: "EXECUTION_ENV_PATH"
              value {
                string_value: "$$TRITON_MODEL_DIRECTORY/env.tar.gz"
              }
            }
            model_transaction_policy {
              decoupled: true
            }

            """;

        Assert.Equal(expected, ProtobufTextFormat.Format(ProtobufTextFormat.Parse<ModelConfig>(TritonConfigs.OnnxWithListSyntax)));
    }

    [Fact]
    public void OmitsDefaultsButKeepsPresentEmptyMessages()
    {
        var config = new ModelConfig
        {
            MaxBatchSize = 0,
            Name = "",
            VersionPolicy = new ModelVersionPolicy { All = new ModelVersionPolicy.Types.All() },
            Input = { new ModelInput { Reshape = new ModelTensorReshape() } },
        };

        Assert.Equal("version_policy {\n  all {\n  }\n}\ninput {\n  reshape {\n  }\n}\n", ProtobufTextFormat.Format(config));
        Assert.Equal("", ProtobufTextFormat.Format(new ModelConfig()));
    }

    [Fact]
    public void SortsMapEntriesByKey()
    {
        var message = new Scalars
        {
            IntToString = { [10] = "ten", [-1] = "minus one", [2] = "two" },
            StringToNested = { ["z"] = new Nested(), ["a"] = new Nested { Id = 1 }, ["M"] = new Nested() },
        };

        Assert.Equal(
            """
            int_to_string {
              key: -1
              value: "minus one"
            }
            int_to_string {
              key: 2
              value: "two"
            }
            int_to_string {
              key: 10
              value: "ten"
            }
            string_to_nested {
              key: "M"
              value {
              }
            }
            string_to_nested {
              key: "a"
              value {
                id: 1
              }
            }
            string_to_nested {
              key: "z"
              value {
              }
            }

            """,
            ProtobufTextFormat.Format(message));
    }

    [Fact]
    public void EscapesStringsAndBytesAndSpellsSpecialNumbers()
    {
        var message = new Scalars
        {
            FloatValue = 0.1f,
            DoubleValue = 1e-5,
            StringValue = "line\nnext\t\"q\" \\ \u0001\u007f é😀 'single'",
            BytesValue = ByteString.CopyFrom(0x00, 0x41, 0xFF, 0x22, 0x0A),
            Color = (Color)42,
            RepeatedDouble = { double.NaN, double.NegativeInfinity, -0.0, 1e20 },
            OptionalInt32 = 0,
            ChoiceString = "",
        };

        Assert.Equal(
            """
            float_value: 0.1
            double_value: 1e-05
            string_value: "line\nnext\t\"q\" \\ \001\177 é😀 'single'"
            bytes_value: "\000A\377\"\n"
            color: 42
            repeated_double: nan
            repeated_double: -inf
            repeated_double: -0
            repeated_double: 1e+20
            optional_int32: 0
            choice_string: ""

            """,
            ProtobufTextFormat.Format(message));
    }
}

public sealed class RoundTripTests
{
    [Theory]
    [MemberData(nameof(TritonConfigs.All), MemberType = typeof(TritonConfigs))]
    public void TritonConfigsSurviveFormatAndParse(string config)
    {
        ModelConfig parsed = ProtobufTextFormat.Parse<ModelConfig>(config);
        string formatted = ProtobufTextFormat.Format(parsed);

        Assert.Equal(parsed, ProtobufTextFormat.Parse<ModelConfig>(formatted));
        Assert.Equal(formatted, ProtobufTextFormat.Format(ProtobufTextFormat.Parse<ModelConfig>(formatted)));
    }

    [Fact]
    public void EveryScalarShapeSurvivesFormatAndParse()
    {
        var original = new Scalars
        {
            Int32Value = int.MinValue,
            Int64Value = long.MinValue,
            Uint32Value = uint.MaxValue,
            Uint64Value = ulong.MaxValue,
            Sint32Value = -1,
            Sint64Value = long.MaxValue,
            Fixed32Value = 1,
            Fixed64Value = ulong.MaxValue,
            Sfixed32Value = int.MaxValue,
            Sfixed64Value = -2,
            FloatValue = float.Epsilon,
            DoubleValue = -0.0,
            BoolValue = true,
            StringValue = "\0\u0001\u001f\u007f\u0080 ünïcødé 😀 \"'\\",
            BytesValue = ByteString.CopyFrom(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray()),
            Color = Color.Blue,
            Nested = new Nested { Children = { new Nested(), new Nested { Id = -1, Label = "x" } } },
            RepeatedInt32 = { 0, -1, int.MaxValue },
            RepeatedInt64 = { long.MaxValue },
            RepeatedUint32 = { 0 },
            RepeatedUint64 = { 0, ulong.MaxValue },
            RepeatedSint32 = { int.MinValue },
            RepeatedSint64 = { long.MinValue },
            RepeatedFixed32 = { uint.MaxValue },
            RepeatedFixed64 = { 0 },
            RepeatedSfixed32 = { int.MinValue },
            RepeatedSfixed64 = { long.MinValue },
            RepeatedFloat = { float.MaxValue, float.MinValue, float.NaN, float.NegativeInfinity, 3.14159274f },
            RepeatedDouble = { double.MaxValue, double.Epsilon, double.NaN, double.PositiveInfinity, 0.1 + 0.2 },
            RepeatedBool = { false, true },
            RepeatedString = { "", "two\nlines" },
            RepeatedBytes = { ByteString.Empty, ByteString.CopyFrom(0x80) },
            RepeatedColor = { Color.Unspecified, (Color)(-100) },
            RepeatedNested = { new Nested(), new Nested { Label = "b" } },
            IntToString = { [int.MinValue] = "", [0] = "zero" },
            StringToNested = { [""] = new Nested(), ["k"] = new Nested { Id = 2 } },
            BoolToColor = { [false] = Color.Green, [true] = Color.Unspecified },
            OptionalInt32 = 0,
            ChoiceNested = new Nested(),
        };

        string formatted = ProtobufTextFormat.Format(original);

        Assert.Equal(original, ProtobufTextFormat.Parse<Scalars>(formatted));
        Assert.Equal(formatted, ProtobufTextFormat.Format(ProtobufTextFormat.Parse<Scalars>(formatted)));
    }
}
