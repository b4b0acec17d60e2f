using PolarGrid.ControlPlane;

var app = ControlPlaneApplication.Build(args);
app.Run();
