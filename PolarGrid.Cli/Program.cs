using PolarGrid.Cli;

try
{
    return args.FirstOrDefault() switch
    {
        "token" => TokenCommand.Run(args[1..], Console.Out, Console.Error),
        _ => Help(),
    };
}
catch (ArgumentException error)
{
    Console.Error.WriteLine($"error: {error.Message}");
    return 2;
}

static int Help()
{
    Console.WriteLine("usage: polargrid <command> [options]");
    Console.WriteLine();
    Console.WriteLine(TokenCommand.Usage);
    return 1;
}
