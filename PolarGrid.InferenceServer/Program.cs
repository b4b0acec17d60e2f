using PolarGrid.InferenceServer;

ServerOptions options;
try
{
    options = CommandLine.Parse(args);
}
catch (CommandLineException error)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 2;
}

await InferenceServerApplication.Build(options).RunAsync();
return 0;
