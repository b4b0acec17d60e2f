using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using Google.Protobuf;
using Inference;
using PolarGrid.InferenceServer.Backends;
using PolarGrid.InferenceServer.Models;
using static Inference.RepositoryIndexResponse.Types;

namespace PolarGrid.InferenceServer.Repository;

/// <summary>
/// The model life cycle with Triton's explicit-control semantics: a load answers when the model is ready or has
/// failed; a re-load re-reads the repository and swaps versions without dropping requests; an unload answers at once
/// while the model drains through UNLOADING to UNAVAILABLE. A model that fails never takes the server down.
/// </summary>
public sealed class ModelManager(
    ServerOptions options,
    ModelRepository repository,
    IEnumerable<IModelBackend> backends,
    ILogger<ModelManager> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ModelSlot> _slots = new(StringComparer.Ordinal);
    private readonly IModelBackend[] _backends = backends.ToArray();

    /// <summary>Under strict readiness: every model that was asked to load is ready.</summary>
    public bool AllRequestedModelsReady => _slots.Values.All(slot => !slot.Current.Requested || slot.Current.State == ModelState.Ready);

    public IEnumerable<ServedModel> ServedModels => _slots.Values.SelectMany(slot => slot.Current.Versions.Values);

    public async Task LoadStartupModelsAsync(CancellationToken cancellationToken)
    {
        var names = options.ModelControlMode == ModelControlMode.None || options.StartupModels is ["*"]
            ? repository.ListModels()
            : options.StartupModels;

        foreach (var name in names)
        {
            try
            {
                await LoadCoreAsync(name, ImmutableDictionary<string, ModelRepositoryParameter>.Empty, cancellationToken);
            }
            catch (InferenceException error) when (!options.ExitOnError)
            {
                logger.LogError("Model {Model} failed to load at start: {Reason}", name, error.Message);
            }
        }
    }

    public Task LoadAsync(string name, IReadOnlyDictionary<string, ModelRepositoryParameter> parameters, CancellationToken cancellationToken)
    {
        RequireExplicitControl();
        return LoadCoreAsync(name, parameters, cancellationToken);
    }

    public void Unload(string name)
    {
        RequireExplicitControl();
        if (!_slots.TryGetValue(name, out var slot))
        {
            return; // Unloading what is not loaded succeeds, as in Triton.
        }

        var retiring = slot.BeginUnload();
        _ = Task.Run(async () =>
        {
            await Task.WhenAll(retiring.Values.Select(model => model.RetireAsync()));
            slot.FinishUnload(retiring);
            logger.LogInformation("Unloaded model {Model}", name);
        });
    }

    public IReadOnlyList<ModelIndex> Index(bool readyOnly)
    {
        var entries = new List<ModelIndex>();
        foreach (var name in repository.ListModels().Union(_slots.Keys).Order(StringComparer.Ordinal))
        {
            if (!_slots.TryGetValue(name, out var slot))
            {
                if (!readyOnly)
                {
                    entries.Add(new ModelIndex { Name = name }); // In the repository, never loaded.
                }
                continue;
            }

            var state = slot.Current;
            if (readyOnly && state.State != ModelState.Ready)
            {
                continue;
            }
            if (state.Versions.IsEmpty)
            {
                entries.Add(new ModelIndex { Name = name, State = state.State, Reason = state.Reason });
            }
            foreach (var version in state.Versions.Keys)
            {
                entries.Add(new ModelIndex
                {
                    Name = name,
                    Version = version.ToString(CultureInfo.InvariantCulture),
                    State = state.State,
                    Reason = state.Reason,
                });
            }
        }
        return entries;
    }

    /// <summary>
    /// The version a request should run on, leased until the caller disposes it. Empty <paramref name="version"/>
    /// means the newest loaded version.
    /// </summary>
    public ModelLease Acquire(string name, string version)
    {
        if (!_slots.TryGetValue(name, out var slot))
        {
            throw repository.Contains(name)
                ? InferenceException.Unavailable($"Request for unknown model: '{name}' is not ready (it is not loaded)")
                : InferenceException.NotFound($"Request for unknown model: '{name}' is not found");
        }

        var state = slot.Current;
        if (state.State != ModelState.Ready || state.Versions.IsEmpty)
        {
            throw InferenceException.Unavailable($"Request for unknown model: '{name}' is not ready (state {state.State})");
        }

        ServedModel? model;
        if (version.Length == 0)
        {
            model = state.Versions.Values.Last();
        }
        else if (!long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw InferenceException.InvalidArgument($"'{version}' is not a model version: versions are positive integers");
        }
        else if (!state.Versions.TryGetValue(number, out model))
        {
            throw InferenceException.Unavailable($"Request for unknown model: '{name}' version {version} is not ready");
        }

        if (!model.TryAcquire())
        {
            throw InferenceException.Unavailable($"Request for unknown model: '{name}' is being unloaded");
        }
        return new ModelLease(model);
    }

    private async Task LoadCoreAsync(string name, IReadOnlyDictionary<string, ModelRepositoryParameter> parameters, CancellationToken cancellationToken)
    {
        ModelRepository.RequireValidName(name);
        if (!parameters.ContainsKey("config") && !repository.Contains(name) && !_slots.ContainsKey(name))
        {
            // Nothing to load and nothing known: no trace of the name is kept.
            throw InferenceException.NotFound($"failed to load '{name}': no model folder named '{name}' in the model repository");
        }
        var slot = _slots.GetOrAdd(name, static key => new ModelSlot(key));
        await slot.Gate.WaitAsync(cancellationToken);
        string? overrideDirectory = null;
        var loaded = new List<ServedModel>();
        try
        {
            slot.MarkLoading();
            var (configOverride, files) = LoadParameters.Read(name, parameters);
            if (files.Count > 0)
            {
                overrideDirectory = LoadParameters.WriteFiles(name, files);
            }

            var definition = repository.Read(name, configOverride, overrideDirectory);
            var backend = ChooseBackend(definition);
            foreach (var version in definition.Versions)
            {
                var versionDirectory = Path.Combine(definition.Directory, version.ToString(CultureInfo.InvariantCulture));
                loaded.Add(await backend.LoadAsync(
                    new ModelLoadContext(name, version, definition.Directory, versionDirectory, definition.Config), cancellationToken));
            }

            var previous = slot.Publish(loaded.ToImmutableSortedDictionary(model => model.Version, model => model));
            await Task.WhenAll(previous.Values.Select(model => model.RetireAsync()));
            logger.LogInformation("Loaded model {Model} versions {Versions}", name, string.Join(",", definition.Versions));
        }
        catch (Exception error)
        {
            foreach (var model in loaded)
            {
                await model.DisposeAsync();
            }
            var reason = error switch
            {
                InferenceException inference => inference.Message,
                OperationCanceledException => $"loading '{name}' was cancelled",
                _ => $"failed to load '{name}': {error.Message}",
            };
            slot.Fail(reason);
            logger.LogWarning("Model {Model} failed to load: {Reason}", name, reason);
            throw error as InferenceException ?? InferenceException.Internal(reason);
        }
        finally
        {
            if (overrideDirectory is not null)
            {
                TryDelete(overrideDirectory);
            }
            slot.Gate.Release();
        }
    }

    private IModelBackend ChooseBackend(ModelDefinition definition)
    {
        var config = definition.Config;
        if (config.Platform.Length > 0 || config.Backend.Length > 0)
        {
            return _backends.FirstOrDefault(backend => backend.CanServe(config))
                ?? throw InferenceException.InvalidArgument(
                    $"failed to load '{definition.Name}': this server has no backend for platform '{config.Platform}' / backend '{config.Backend}' " +
                    $"(it serves: onnxruntime_onnx, {string.Join(", ", _backends.Select(backend => backend.Name))})");
        }

        var first = Path.Combine(definition.Directory, definition.Versions[0].ToString(CultureInfo.InvariantCulture));
        return _backends.FirstOrDefault(backend => backend.Recognizes(first))
            ?? throw InferenceException.InvalidArgument(
                $"failed to load '{definition.Name}': set 'platform' or 'backend' in config.pbtxt; no backend recognises the files in {first}");
    }

    private void RequireExplicitControl()
    {
        if (options.ModelControlMode != ModelControlMode.Explicit)
        {
            throw InferenceException.Unavailable("explicit model load / unload is not allowed if polling is enabled or model control is 'none'");
        }
    }

    private void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException error)
        {
            logger.LogWarning("Could not remove the override folder {Folder}: {Reason}", directory, error.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var model in ServedModels.ToList())
        {
            await model.DisposeAsync();
        }
    }
}

/// <summary>A request's hold on a model version; the version is not freed until every lease is returned.</summary>
public readonly struct ModelLease(ServedModel model) : IDisposable
{
    public ServedModel Model { get; } = model;

    public void Dispose() => Model.Release();
}
