using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Inference;
using Microsoft.ML.OnnxRuntimeGenAI;
using PolarGrid.InferenceServer.Models;

namespace PolarGrid.InferenceServer.Backends.GenAi;

/// <summary>
/// An onnxruntime-genai model served with the vLLM backend's tensor contract: decoupled, one response per generated
/// token when streaming. Each request runs its own generator on its own thread; <c>max_num_seqs</c> bounds how many.
/// </summary>
public sealed class GenAiModel : ServedModel
{
    private readonly Model _model;
    private readonly Tokenizer _tokenizer;
    private readonly GenAiModelInfo _info;
    private readonly SemaphoreSlim _sequences;
    private readonly ILogger _logger;

    public GenAiModel(string name, long version, ModelConfig config, Model model, Tokenizer tokenizer, GenAiModelInfo info,
        int maxSequences, TimeProvider time, ILogger logger)
        : base(name, version, config, time)
    {
        _model = model;
        _tokenizer = tokenizer;
        _info = info;
        _sequences = new SemaphoreSlim(maxSequences);
        _logger = logger;
    }

    public override async IAsyncEnumerable<InferResult> InferAsync(ModelInferRequest inferRequest,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var request = GenAiRequest.Read(inferRequest, Name);
        using var prompt = _tokenizer.Encode(request.Prompt);
        var inputTokens = prompt[0].Length;
        if (inputTokens == 0)
        {
            throw InferenceException.InvalidArgument($"the prompt for model '{Name}' is empty: there is nothing to continue");
        }
        if (inputTokens >= _info.ContextLength)
        {
            throw InferenceException.InvalidArgument(
                $"the prompt has {inputTokens} tokens; model '{Name}' has a context of {_info.ContextLength} tokens");
        }
        var maxTokens = Math.Min(request.Sampling.MaxTokens, _info.ContextLength - inputTokens);

        TimeSpan queued;
        using (var pending = Statistics.Enqueue())
        {
            await _sequences.WaitAsync(cancellationToken);
            queued = pending.Waited;
        }

        var steps = Channel.CreateBounded<GenerationStep>(new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var generation = Task.Factory.StartNew(
            () => Generate(prompt, request, maxTokens, steps.Writer, stop.Token),
            stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        var completed = false;
        try
        {
            var full = request.Stream ? null : new StringBuilder(request.ExcludeInputInOutput ? "" : request.Prompt);
            var unsentTokens = 0;
            var first = true;
            await foreach (var step in steps.Reader.ReadAllAsync(cancellationToken))
            {
                unsentTokens += step.Tokens;
                if (full is not null)
                {
                    full.Append(step.Text);
                    if (step.FinishReason is not null)
                    {
                        yield return Final(GenAiResponses.Build(this, inferRequest.Id, request, full.ToString(), unsentTokens, inputTokens, step.FinishReason));
                        completed = true;
                    }
                    continue;
                }

                if (step.Text.Length == 0 && step.FinishReason is null)
                {
                    continue; // A partial UTF-8 piece: its tokens go out with the next text.
                }
                if (first)
                {
                    Statistics.RecordFirstResponse(Stopwatch.GetElapsedTime(started));
                    first = false;
                }

                var response = GenAiResponses.Build(this, inferRequest.Id, request, step.Text, unsentTokens, inputTokens, step.FinishReason);
                unsentTokens = 0;
                if (step.FinishReason is null)
                {
                    yield return new InferResult(response, IsFinal: false);
                }
                else if (request.EnableEmptyFinalResponse)
                {
                    // The backend's last word is a flag; the client asked to see it as an empty final response.
                    if (step.Text.Length > 0)
                    {
                        yield return new InferResult(response, IsFinal: false);
                    }
                    yield return new InferResult(GenAiResponses.Empty(this, inferRequest.Id), IsFinal: true);
                    completed = true;
                }
                else
                {
                    yield return new InferResult(response, IsFinal: true);
                    completed = true;
                }
            }
            await generation;
        }
        finally
        {
            // The generation thread uses the prompt, the model and its slot from native code: nothing it touches is
            // released (the prompt by this method's `using`, the model by an unload once this request's lease is
            // returned, the slot to the next request) before it has left that code.
            await stop.CancelAsync();
            await generation.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            _sequences.Release();
            // Failures are counted by the caller, which sees the exception.
            if (completed)
            {
                var elapsed = Stopwatch.GetElapsedTime(started);
                Statistics.RecordSuccess(1, elapsed, queued, TimeSpan.Zero, elapsed - queued, TimeSpan.Zero);
            }
        }
    }

    private static InferResult Final(ModelInferResponse response) => new(response, IsFinal: true);

    /// <summary>The generation loop: blocking native calls, on its own thread.</summary>
    private void Generate(Sequences prompt, GenAiRequest request, int maxTokens, ChannelWriter<GenerationStep> steps,
        CancellationToken cancellationToken)
    {
        try
        {
            using var parameters = new GeneratorParams(_model);
            var sampling = request.Sampling;
            parameters.SetSearchOption("max_length", prompt[0].Length + maxTokens);
            if (sampling.MinTokens > 0)
            {
                parameters.SetSearchOption("min_length", prompt[0].Length + sampling.MinTokens);
            }
            parameters.SetSearchOption("repetition_penalty", sampling.RepetitionPenalty);
            parameters.SetSearchOption("do_sample", !sampling.IsGreedy);
            if (!sampling.IsGreedy)
            {
                parameters.SetSearchOption("temperature", sampling.Temperature);
                parameters.SetSearchOption("top_p", sampling.TopP);
                parameters.SetSearchOption("top_k", sampling.TopK < 0 ? _info.VocabularySize : sampling.TopK);
                if (sampling.Seed is { } seed)
                {
                    parameters.SetSearchOption("random_seed", GenerationSeed(seed));
                }
            }

            using var generator = new Generator(_model, parameters);
            generator.AppendTokenSequences(prompt);
            using var decoder = _tokenizer.CreateStream();
            var matcher = new StopSequenceMatcher(sampling.Stop, sampling.IncludeStopStringInOutput);
            var generated = 0;

            while (!generator.IsDone())
            {
                cancellationToken.ThrowIfCancellationRequested();
                generator.GenerateNextToken();
                var token = generator.GetNextTokens()[0];
                generated++;

                var text = matcher.Push(decoder.Decode(token));
                string? finish = null;
                if (matcher.Stopped)
                {
                    finish = "stop";
                }
                else if (generator.IsDone())
                {
                    text += matcher.Flush();
                    finish = generated >= maxTokens ? "length" : "stop";
                }

                Write(steps, new GenerationStep(text, 1, finish), cancellationToken);
                if (finish is not null)
                {
                    break;
                }
            }
            steps.TryComplete();
        }
        catch (OperationCanceledException)
        {
            steps.TryComplete();
        }
        catch (Exception error)
        {
            _logger.LogError(error, "Generation failed for model {Model}", Name);
            steps.TryComplete(InferenceException.Internal($"generation failed for '{Name}': {error.Message}"));
        }
    }

    /// <summary>
    /// onnxruntime-genai takes a non-negative 32-bit seed (-1 asks it for a random one); a client's seed is any 64-bit
    /// integer, folded onto that range so that equal seeds still give equal text.
    /// </summary>
    internal static int GenerationSeed(long seed) => (int)((ulong)seed % int.MaxValue);

    private static void Write(ChannelWriter<GenerationStep> steps, GenerationStep step, CancellationToken cancellationToken)
    {
        while (!steps.TryWrite(step))
        {
            // The reader is behind (a slow client): wait for room rather than buffer without bound.
            if (!steps.WaitToWriteAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
            {
                return;
            }
        }
    }

    public override ValueTask DisposeAsync()
    {
        _tokenizer.Dispose();
        _model.Dispose();
        _sequences.Dispose();
        return ValueTask.CompletedTask;
    }

    private readonly record struct GenerationStep(string Text, int Tokens, string? FinishReason);
}
