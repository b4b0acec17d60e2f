using PolarGrid.Contracts;
using PolarGrid.Gateway;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddOptions<GatewayOptions>()
    .Bind(builder.Configuration.GetSection(GatewayOptions.SectionName))
    .Validate(options => !string.IsNullOrWhiteSpace(options.Colo), "Node:Colo is required.")
    .Validate(options => !string.IsNullOrWhiteSpace(options.StagingPath), "Node:StagingPath is required.")
    .ValidateOnStart();
builder.Services.AddTritonClient(builder.Configuration);
builder.Services.AddHealthChecks().AddCheck<TritonHealthCheck>(TritonHealthCheck.Name);

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
