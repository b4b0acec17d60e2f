using PolarGrid.InferenceServer;

namespace PolarGrid.Tests.InferenceServer;

/// <summary>The inference server takes <c>tritonserver</c>'s command line, with Triton's defaults.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void Defaults_are_tritons()
    {
        var options = CommandLine.Parse(["--model-repository=/models"]);

        Assert.Equal(["/models"], options.ModelRepositories);
        Assert.Equal(8000, options.HttpPort);
        Assert.Equal(8001, options.GrpcPort);
        Assert.Equal(8002, options.MetricsPort);
        Assert.Equal(ModelControlMode.None, options.ModelControlMode);
        Assert.True(options.StrictReadiness);
        Assert.Equal("triton", options.Id);
    }

    [Fact]
    public void Both_option_forms_are_accepted_and_load_model_repeats()
    {
        var options = CommandLine.Parse(
        [
            "--model-repository", "/a", "--model-repository=/b", "--model-control-mode=explicit",
            "--load-model=first", "--load-model", "second", "--grpc-port", "9001", "--strict-readiness=false",
            "--id=yvr-triton", "--log-verbose=1",
        ]);

        Assert.Equal(["/a", "/b"], options.ModelRepositories);
        Assert.Equal(ModelControlMode.Explicit, options.ModelControlMode);
        Assert.Equal(["first", "second"], options.StartupModels);
        Assert.Equal(9001, options.GrpcPort);
        Assert.False(options.StrictReadiness);
        Assert.Equal("yvr-triton", options.Id);
    }

    [Theory]
    [InlineData("--model-control-mode=explicit", "--load-model=*", "--load-model=x")]
    [InlineData("--load-model=x")]
    [InlineData("--grpc-port=70000")]
    [InlineData("--model-control-mode=sometimes")]
    [InlineData("--no-such-option=1")]
    [InlineData("--strict-readiness=maybe")]
    [InlineData("stray")]
    public void Command_lines_triton_refuses_are_refused(params string[] extra)
    {
        Assert.Throws<CommandLineException>(() => CommandLine.Parse(["--model-repository=/m", .. extra]));
    }

    [Fact]
    public void A_model_repository_is_required()
    {
        var error = Assert.Throws<CommandLineException>(() => CommandLine.Parse(["--model-control-mode=explicit"]));
        Assert.Contains("--model-repository", error.Message);
    }
}
