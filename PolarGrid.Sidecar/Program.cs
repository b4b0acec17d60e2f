using PolarGrid.Sidecar;

var app = SidecarApplication.Build(args);
app.Run();
