using PolarGrid.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

try
{
    return args.FirstOrDefault() switch
    {
        "token" => TokenCommand.Run(args[1..], Console.Out, Console.Error),
        "nodes" => await NodesCommand.RunAsync(args[1..], Console.Out, Console.Error, cancellation.Token),
        "load" => await LoadCommand.RunAsync(args[1..], Console.Out, Console.Error, cancellation.Token),
        "chat" => await ChatCommand.RunAsync(args[1..], Console.Out, Console.Error, cancellation.Token),
        _ => Help(),
    };
}
catch (ArgumentException error)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 2;
}
catch (Exception error) when (error is HttpRequestException or InvalidOperationException or TaskCanceledException or System.ClientModel.ClientResultException)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 1;
}

static int Help()
{
    Console.WriteLine("usage: polargrid <command> [options]");
    Console.WriteLine();
    Console.WriteLine(TokenCommand.Usage);
    Console.WriteLine(NodesCommand.Usage);
    Console.WriteLine(LoadCommand.Usage);
    Console.WriteLine(ChatCommand.Usage);
    return 1;
}
