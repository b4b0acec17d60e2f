using PolarGrid.HubServer;

var app = HubServerApplication.Build(args);
await app.RunAsync();
