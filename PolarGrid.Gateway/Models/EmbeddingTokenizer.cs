using Microsoft.ML.Tokenizers;

namespace PolarGrid.Gateway.Models;

/// <summary>BERT WordPiece tokenisation for embedding models, from the model's <c>vocab.txt</c>.</summary>
public sealed class EmbeddingTokenizer(string directory, EmbeddingSettings settings)
{
    public const string VocabularyFileName = "vocab.txt";

    private readonly BertTokenizer _tokenizer = BertTokenizer.Create(
        Path.Combine(directory, VocabularyFileName), new BertOptions { LowerCaseBeforeTokenization = settings.LowerCase });

    /// <summary>Token ids with [CLS] and [SEP].</summary>
    public IReadOnlyList<int> Encode(string text) => _tokenizer.EncodeToIds(text, addSpecialTokens: true);
}
