using System.Text.Json;
using PolarGrid.Gateway.OpenAI;
using PolarGrid.HuggingFace;
using PolarGrid.Staging;

namespace PolarGrid.Gateway.Deployment;

/// <summary>The body of <c>POST /v1/models/load</c>, validated: every name here later becomes a path.</summary>
/// <param name="Replace">Whether a ready model of the same name from another repository may be replaced.</param>
public sealed record LoadRequest(string Model, string Revision, string Name, string? Subfolder, bool Replace = false)
{
    public static LoadRequest Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw OpenAIException.InvalidRequest("The request body must be a JSON object.");
        }

        var model = JsonFields.OptionalString(body, "model") ?? throw OpenAIException.InvalidRequest("`model` is required: a Hugging Face repository id such as `org/name`.", "model");
        if (!HubIdentifiers.IsValidRepoId(model))
        {
            throw OpenAIException.InvalidRequest($"`{OpenAIException.Echo(model)}` is not a Hugging Face repository id (`org/name`: letters, digits, `-`, `_`, `.`).", "model", "invalid_model_id");
        }

        var revision = JsonFields.OptionalString(body, "revision") ?? "main";
        if (!HubIdentifiers.IsValidRevision(revision))
        {
            throw OpenAIException.InvalidRequest($"`{OpenAIException.Echo(revision)}` is not a valid revision (a branch, tag or commit).", "revision", "invalid_revision");
        }

        var name = JsonFields.OptionalString(body, "name") ?? DefaultName(model);
        if (!StagingNames.IsValidModelName(name))
        {
            throw OpenAIException.InvalidRequest(
                $"`{OpenAIException.Echo(name)}` is not a valid served model name (letters, digits, `-`, `_`, `.`; starting with a letter or digit; at most 128).", "name", "invalid_name");
        }

        var subfolder = JsonFields.OptionalString(body, "subfolder")?.TrimEnd('/');
        if (subfolder is { Length: 0 })
        {
            subfolder = null;
        }
        if (subfolder is not null && !SafeRelativePath.IsSafe(subfolder))
        {
            throw OpenAIException.InvalidRequest($"`{OpenAIException.Echo(subfolder)}` is not a safe relative folder.", "subfolder", "invalid_subfolder");
        }

        var replace = JsonFields.OptionalBool(body, "replace") ?? false;

        return new LoadRequest(model, revision, name, subfolder, replace);
    }

    /// <summary>The repository's own name, which is what a client would guess.</summary>
    private static string DefaultName(string repoId) => repoId[(repoId.LastIndexOf('/') + 1)..];
}
