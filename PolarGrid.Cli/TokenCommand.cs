using System.Globalization;
using PolarGrid.Auth;

namespace PolarGrid.Cli;

/// <summary>
/// <c>polargrid token</c>: mints a bearer token for local use. The key comes from <c>--secret</c>, the
/// <c>POLARGRID_SIGNING_SECRET</c> variable, or the local fleet's data root (where the app host keeps it).
/// </summary>
public static class TokenCommand
{
    public const string Usage = """
        polargrid token [--data-root DIR | --secret BASE64] [--kid KID] [--issuer ISS] [--audience AUD]
                        [--subject SUB] [--scope SCOPE]... [--tenant T] [--tier T] [--lifetime 12h]
          Prints a JWT the gateways accept. Defaults fit the local fleet (`dotnet run --project PolarGrid.AppHost`):
          key from .polargrid/auth/signing-key, kid 'local', issuer 'polargrid-local', audience 'polargrid-gateway',
          scopes 'inference' and 'models:admin', 12 hours.
        """;

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var options = Arguments.Parse(args);
        var secret = options.Single("secret") ?? Environment.GetEnvironmentVariable("POLARGRID_SIGNING_SECRET");
        if (secret is null)
        {
            var keyFile = Path.Combine(options.Single("data-root") ?? ".polargrid", "auth", "signing-key");
            if (!File.Exists(keyFile))
            {
                error.WriteLine($"No signing key: pass --secret, set POLARGRID_SIGNING_SECRET, or point --data-root at a fleet's data root ({keyFile} does not exist).");
                return 2;
            }
            secret = File.ReadAllText(keyFile).Trim();
        }

        var key = SigningKeys.Build(new SigningKeyOptions { Kid = options.Single("kid") ?? "local", Algorithm = "HS256", Secret = secret });
        var auth = new JwtAuthOptions
        {
            Issuer = options.Single("issuer") ?? "polargrid-local",
            Audience = options.Single("audience") ?? "polargrid-gateway",
        };
        var scopes = options.All("scope") is { Count: > 0 } given ? given : [Scopes.Inference, Scopes.ModelsAdmin];
        var claims = new Dictionary<string, object>();
        if (options.Single("tenant") is { } tenant)
        {
            claims["tenant"] = tenant;
        }
        if (options.Single("tier") is { } tier)
        {
            claims["tier"] = tier;
        }

        output.WriteLine(TokenIssuer.Mint(auth, key, options.Single("subject") ?? Environment.UserName, scopes,
            ParseLifetime(options.Single("lifetime") ?? "12h"), claims));
        return 0;
    }

    /// <summary><c>90s</c>, <c>30m</c>, <c>12h</c>, <c>7d</c>.</summary>
    public static TimeSpan ParseLifetime(string value)
    {
        if (value.Length >= 2 && double.TryParse(value[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            switch (value[^1])
            {
                case 's': return TimeSpan.FromSeconds(amount);
                case 'm': return TimeSpan.FromMinutes(amount);
                case 'h': return TimeSpan.FromHours(amount);
                case 'd': return TimeSpan.FromDays(amount);
            }
        }
        throw new ArgumentException($"'{value}' is not a lifetime like 90s, 30m, 12h or 7d.");
    }
}
