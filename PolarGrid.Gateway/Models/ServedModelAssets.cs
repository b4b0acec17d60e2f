namespace PolarGrid.Gateway.Models;

/// <summary>A model's descriptor with its loaded tokenizer.</summary>
public sealed class ServedModelAssets(ModelDescriptor descriptor, ChatTokenizer? chat, EmbeddingTokenizer? embedding) : IDisposable
{
    public ModelDescriptor Descriptor { get; } = descriptor;
    public ChatTokenizer? Chat { get; } = chat;
    public EmbeddingTokenizer? Embedding { get; } = embedding;

    public void Dispose() => Chat?.Dispose();
}
