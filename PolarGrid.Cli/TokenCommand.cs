using System.Globalization;
using PolarGrid.Auth;

namespace PolarGrid.Cli;

/// <summary>
/// <c>polargrid token</c>: mints a bearer token. ES256 by default, with a private key only its holder has: the local
/// fleet's (kept by the app host under the data root) or the operator's, for a deployed fleet. An HS256 fleet's shared
/// secret works too, when given explicitly.
/// </summary>
public static class TokenCommand
{
    public const string Usage = """
        polargrid token [--key PRIVATE.pem | --data-root DIR | --secret BASE64 --kid KID] [--kid KID] [--issuer ISS]
                        [--audience AUD] [--subject SUB] [--scope SCOPE]... [--tenant T] [--tier T] [--lifetime 12h]
          Prints a JWT the gateways accept, signed ES256 with a P-256 private key (PKCS#8 PEM): --key, else
          $POLARGRID_TOKEN_KEY_FILE, else the local fleet's <data-root>/auth/token-signing-key.pem (.polargrid). Its kid
          is the key's JWK thumbprint, the id gateways know its public half by (--kid names another).
          HS256 fleets: --secret or $POLARGRID_SIGNING_SECRET (base64), with the key's --kid.
          Defaults fit the local fleet (`dotnet run --project PolarGrid.AppHost`): issuer 'polargrid-local', audience
          'polargrid-gateway', scopes 'inference' and 'models:admin', 12 hours. A deployed fleet: --issuer polargrid.
        """;

    public const string KeyFileVariable = "POLARGRID_TOKEN_KEY_FILE";
    public const string SecretVariable = "POLARGRID_SIGNING_SECRET";

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var options = Arguments.Parse(args);
        var key = Key(options, error);
        if (key is null)
        {
            return 2;
        }

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

    /// <summary>The key to sign with, or null after saying why there is none.</summary>
    private static SigningKey? Key(Arguments options, TextWriter error)
    {
        var kid = options.Single("kid");
        var secret = options.Single("secret") ?? Environment.GetEnvironmentVariable(SecretVariable);
        if (secret is not null)
        {
            if (options.Single("key") is not null)
            {
                error.WriteLine("Give --key (ES256) or --secret (HS256), not both.");
                return null;
            }
            if (kid is null)
            {
                error.WriteLine("An HS256 secret needs the --kid the gateways configure it under.");
                return null;
            }
            return SigningKeys.Build(new SigningKeyOptions { Kid = kid, Algorithm = "HS256", Secret = secret });
        }

        var keyFile = options.Single("key") ?? Environment.GetEnvironmentVariable(KeyFileVariable)
            ?? LocalFleetFiles.PrivateKey(options.Single("data-root") ?? ".polargrid");
        if (!File.Exists(keyFile))
        {
            error.WriteLine($"No signing key: pass --key, set {KeyFileVariable}, or point --data-root at a fleet's data root ({keyFile} does not exist).");
            return null;
        }
        try
        {
            return Es256PrivateKey.Load(File.ReadAllText(keyFile), kid);
        }
        catch (InvalidOperationException problem)
        {
            error.WriteLine($"{keyFile}: {problem.Message}");
            return null;
        }
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
