using System.Buffers.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;

namespace PolarGrid.Auth;

/// <summary>
/// RFC 7519 §4.1.4–4.1.6: <c>exp</c>, <c>nbf</c> and <c>iat</c> are NumericDates, JSON numbers. The token library also
/// reads a string such as <c>"9999999999"</c> as a date; a token that spells one that way was not minted by us, so it is
/// refused rather than interpreted.
/// </summary>
public static class NumericDateClaims
{
    private static readonly string[] Names = [JwtRegisteredClaimNames.Exp, JwtRegisteredClaimNames.Nbf, JwtRegisteredClaimNames.Iat];

    /// <summary>True when every occurrence of each date claim in the payload (a repeated name included) is a JSON number.</summary>
    public static bool AreNumbers(JsonWebToken token)
    {
        byte[] payload;
        try
        {
            payload = Base64Url.DecodeFromChars(token.EncodedPayload);
        }
        catch (FormatException)
        {
            return false;
        }
        try
        {
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.EnumerateObject().All(claim => !Names.Contains(claim.Name) || claim.Value.ValueKind == JsonValueKind.Number);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
