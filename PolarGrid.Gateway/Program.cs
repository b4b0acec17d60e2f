using PolarGrid.Gateway;

var app = GatewayApplication.Build(args);
app.Run();
