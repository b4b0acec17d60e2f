namespace PolarGrid.AppHost.Kubernetes;

/// <summary>A kustomization file, written field by field in kustomize's usual order.</summary>
public sealed class Kustomization
{
    public string? Namespace { get; init; }

    public List<string> Resources { get; } = [];

    /// <summary>Labels added to every object and pod template, never to selectors (selectors stay stable).</summary>
    public SortedDictionary<string, string> Labels { get; } = new(StringComparer.Ordinal);

    public List<(string Name, IReadOnlyList<KeyValuePair<string, string>> Literals)> ConfigMaps { get; } = [];

    public List<(string Name, string? Type, IReadOnlyList<string> Files)> Secrets { get; } = [];

    public List<(string Kind, string Name, IReadOnlyList<object> Operations)> Patches { get; } = [];

    /// <summary>Marks every object and pod of a colo's overlay with the colo.</summary>
    public void AddColoLabels(string colo)
    {
        Labels["app.kubernetes.io/instance"] = colo;
        Labels["polargrid.io/colo"] = colo;
    }

    public Dictionary<string, object?> ToYamlObject()
    {
        var yaml = new Dictionary<string, object?>
        {
            ["apiVersion"] = "kustomize.config.k8s.io/v1beta1",
            ["kind"] = "Kustomization",
        };
        if (Namespace is not null)
        {
            yaml["namespace"] = Namespace;
        }
        yaml["resources"] = Resources;
        if (Labels.Count > 0)
        {
            yaml["labels"] = new List<object> { new Dictionary<string, object?> { ["pairs"] = Labels, ["includeSelectors"] = false, ["includeTemplates"] = true } };
        }
        if (ConfigMaps.Count > 0)
        {
            yaml["configMapGenerator"] = ConfigMaps.Select(c => new Dictionary<string, object?>
            {
                ["name"] = c.Name,
                ["literals"] = c.Literals.Select(l => $"{l.Key}={l.Value}").ToList(),
            }).ToList();
        }
        if (Secrets.Count > 0)
        {
            yaml["secretGenerator"] = Secrets.Select(s =>
            {
                var generator = new Dictionary<string, object?> { ["name"] = s.Name };
                if (s.Type is not null)
                {
                    generator["type"] = s.Type;
                }
                generator["files"] = s.Files.ToList();
                return generator;
            }).ToList();
        }
        if (Patches.Count > 0)
        {
            yaml["patches"] = Patches.Select(p => new Dictionary<string, object?>
            {
                ["target"] = new Dictionary<string, object?> { ["kind"] = p.Kind, ["name"] = p.Name },
                ["patch"] = k8s.KubernetesYaml.Serialize(p.Operations).ReplaceLineEndings("\n"),
            }).ToList();
        }
        return yaml;
    }

    public static Dictionary<string, object?> Operation(string op, string path, object? value) =>
        new() { ["op"] = op, ["path"] = path, ["value"] = value };
}
