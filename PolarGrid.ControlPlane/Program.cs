using PolarGrid.ControlPlane;
using PolarGrid.ControlPlane.Apis;
using PolarGrid.ControlPlane.Data;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNpgsqlDataSource(connectionName: "polargrid");

builder.Services.AddOptions<ControlPlaneOptions>()
    .Bind(builder.Configuration.GetSection(ControlPlaneOptions.SectionName))
    .Validate(options => options.Nodes.All(node => !string.IsNullOrWhiteSpace(node.Colo) && node.PublicUrl is { IsAbsoluteUri: true }),
        "Every ControlPlane:Nodes entry needs a Colo and an absolute PublicUrl.")
    .ValidateOnStart();
builder.Services.AddSingleton<SchemaMigrator>();
builder.Services.AddSingleton<NodeRepository>();
builder.Services.AddHostedService<DatabaseInitializer>();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapNodesApi();

app.Run();
