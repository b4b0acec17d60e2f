using PolarGrid.Contracts;
using PolarGrid.Sidecar;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddOptions<SidecarOptions>()
    .Bind(builder.Configuration.GetSection(SidecarOptions.SectionName))
    .Validate(options => !string.IsNullOrWhiteSpace(options.StagingPath), "Node:StagingPath is required.")
    .Validate(options => !string.IsNullOrWhiteSpace(options.ModelRepositoryPath), "Node:ModelRepositoryPath is required.")
    .ValidateOnStart();
builder.Services.AddTritonClient(builder.Configuration);
builder.Services.AddHealthChecks()
    .AddCheck<VolumesHealthCheck>(VolumesHealthCheck.Name)
    .AddCheck<TritonHealthCheck>(TritonHealthCheck.Name);

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
