using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using PolarGrid.Auth;
using PolarGrid.Gateway.OpenAI;

namespace PolarGrid.Gateway.Auth;

public static class AuthenticationExtensions
{
    public const string InferencePolicy = "inference";
    public const string ModelsAdminPolicy = "models-admin";

    /// <summary>
    /// JWT bearer tokens validated on the node with keys from configuration — ES256 public keys by default, so a node
    /// holds nothing that could mint a token: issuer, audience, lifetime (with bounded skew, NumericDates only) and
    /// signature are checked; each key verifies only the algorithm it is configured for, so <c>alg: none</c> and
    /// algorithm confusion (an HMAC token "signed" with a public key) fail; a token must name its key by <c>kid</c>.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayAuthentication(this IHostApplicationBuilder builder)
    {
        var auth = builder.Configuration.GetSection(JwtAuthOptions.SectionName).Get<JwtAuthOptions>() ?? new JwtAuthOptions();
        var keys = SigningKeys.Build(auth);
        if (keys.Count == 0)
        {
            throw new InvalidOperationException(
                "No JWT keys are configured (Auth:PublicKeys, or Auth:SigningKeys); the gateway would accept no token.");
        }
        var skew = auth.ClockSkew > JwtAuthOptions.MaxClockSkew ? JwtAuthOptions.MaxClockSkew : auth.ClockSkew;

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.RequireHttpsMetadata = false; // No metadata is fetched: keys are local.
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Issuer,
                    ValidAudience = auth.Audience,
                    ValidateIssuer = true,
                    ValidateAudience = true,
                    ValidateLifetime = true,
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                    ValidateIssuerSigningKey = true,
                    ClockSkew = skew,
                    ValidAlgorithms = keys.Select(key => key.Algorithm).Distinct().ToArray(),
                    TryAllIssuerSigningKeys = false,
                    IssuerSigningKeyResolver = (_, token, kid, _) =>
                    {
                        var algorithm = (token as JsonWebToken)?.Alg;
                        return keys.Where(key => key.Kid == kid && key.Algorithm == algorithm).Select(key => key.Key);
                    },
                };
                options.Events = new JwtBearerEvents
                {
                    // After the signature: the library would read "exp": "9999999999" as a date; only JSON numbers are dates.
                    OnTokenValidated = context =>
                    {
                        if (context.SecurityToken is not JsonWebToken token || !NumericDateClaims.AreNumbers(token))
                        {
                            context.Fail("The token's exp, nbf or iat is not a NumericDate.");
                        }
                        return Task.CompletedTask;
                    },
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        var message = context.AuthenticateFailure is null
                            ? "You didn't provide an API key. Send a bearer token in the Authorization header."
                            : "Invalid or expired token.";
                        context.Response.Headers.WWWAuthenticate = "Bearer";
                        await OpenAIErrorWriter.WriteAsync(context.HttpContext,
                            new OpenAIException(StatusCodes.Status401Unauthorized, message, "invalid_request_error", null, "invalid_api_key"));
                    },
                    OnForbidden = context => OpenAIErrorWriter.WriteAsync(context.HttpContext,
                        new OpenAIException(StatusCodes.Status403Forbidden,
                            "The token lacks the scope this operation needs.", "invalid_request_error", null, "insufficient_scope")),
                };
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(InferencePolicy, policy => policy.RequireAuthenticatedUser().RequireAssertion(context => HasScope(context.User, Scopes.Inference)))
            .AddPolicy(ModelsAdminPolicy, policy => policy.RequireAuthenticatedUser().RequireAssertion(context => HasScope(context.User, Scopes.ModelsAdmin)));
        return builder;
    }

    private static bool HasScope(System.Security.Claims.ClaimsPrincipal user, string scope) =>
        user.FindAll("scope").Concat(user.FindAll("scp"))
            .SelectMany(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Contains(scope, StringComparer.Ordinal);
}
