using Microsoft.IdentityModel.Tokens;

namespace PolarGrid.Auth;

/// <summary>A key under its <c>kid</c>, bound to the one algorithm it may be used with.</summary>
public sealed record SigningKey(string Kid, string Algorithm, SecurityKey Key);
