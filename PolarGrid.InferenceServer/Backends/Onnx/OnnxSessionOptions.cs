using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace PolarGrid.InferenceServer.Backends.Onnx;

/// <summary>The ONNX Runtime session settings every ONNX model runs with.</summary>
public static class OnnxSessionOptions
{
    public static SessionOptions Create(string logId)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogId = logId,
        };
        // ORT's intra-op threads spin after each run by default. In a server they would spin against the gRPC
        // threads and the other model instances for the same cores; waiting instead costs microseconds.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }
}
