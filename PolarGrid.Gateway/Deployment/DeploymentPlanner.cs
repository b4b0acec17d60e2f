using Microsoft.Extensions.Options;
using PolarGrid.Conversion;
using PolarGrid.Gateway.Models;
using PolarGrid.HuggingFace;

namespace PolarGrid.Gateway.Deployment;

/// <summary>The model as the gateway will serve it, once converted.</summary>
public sealed record ConvertedModel(ModelKind Kind, int ContextLength, EmbeddingSettings? Embedding, IReadOnlyList<string> AssetFiles);

/// <summary>
/// The node's view of conversion: which files a repository needs for this node's Triton (or why it cannot be served),
/// and the converted model's description for the gateway.
/// </summary>
public sealed class DeploymentPlanner(IOptions<DeploymentOptions> options)
{
    private const int DefaultContextLength = 2048;

    public ConversionOptions ConversionOptions => new()
    {
        Flavour = options.Value.Flavour,
        Device = options.Value.Device,
        MaxBatchSize = options.Value.MaxBatchSize,
        MaxFileBytes = options.Value.MaxFileBytes,
    };

    /// <summary>The plan, with each planned file's hashes from the Hub listing.</summary>
    /// <exception cref="ConversionException">This node cannot serve the repository.</exception>
    public (ConversionPlan Plan, IReadOnlyList<JobFile> Files) Plan(IReadOnlyList<HubFile> listing, string? subfolder)
    {
        var plan = ModelConverter.Plan(listing.Select(file => new RepoFile(file.Path, file.Size)), subfolder, ConversionOptions);
        var byPath = listing.ToDictionary(file => file.Path, StringComparer.Ordinal);
        var files = plan.Files
            .Select(planned => byPath[planned.Path])
            .Select(file => new JobFile(file.Path, file.Size, file.Sha256, file.GitBlobId))
            .ToList();
        return (plan, files);
    }

    public async Task<ConvertedModel> ConvertAsync(LoadJob job, string downloadDirectory, string modelDirectory, CancellationToken cancellationToken)
    {
        var plan = job.Plan ?? throw new InvalidOperationException($"Job {job.Id} has no conversion plan.");
        var result = await ModelConverter.ConvertAsync(plan, downloadDirectory, modelDirectory, job.Name, cancellationToken);

        var assets = result.TokenizerFiles.ToList();
        if (result.Format == ModelFormat.GenAi)
        {
            // The gateway's tokenizer is onnxruntime-genai's, which opens a folder by its genai_config.json.
            assets.Add(Path.Combine(modelDirectory, "1", "genai_config.json"));
        }

        var kind = result.Kind switch
        {
            ServedModelKind.Chat => ModelKind.Chat,
            ServedModelKind.Embeddings => ModelKind.Embeddings,
            _ => ModelKind.Tensor,
        };
        var embedding = result.Embedding is { } info
            ? new EmbeddingSettings(info.OutputName, info.Dimensions, info.MaxTokens, Math.Max(1, options.Value.MaxBatchSize), info.DoLowerCase)
            : null;
        return new ConvertedModel(kind, result.ContextLength ?? DefaultContextLength, embedding, assets);
    }
}
