using System.Text.RegularExpressions;
using PolarGrid.AppHost.Runtime;

namespace PolarGrid.AppHost.Fleet;

public static partial class FleetOptionsValidator
{
    /// <summary>Colo names become resource names, namespaces and DNS labels: short, lower case, no hyphens.</summary>
    [GeneratedRegex("^[a-z][a-z0-9]{1,15}$")]
    private static partial Regex ColoName();

    public static void Validate(FleetOptions options)
    {
        if (options.Colos.Count == 0)
        {
            throw new FleetSetupException("PolarGrid:Colos is empty: configure at least one colo (see PolarGrid.AppHost/appsettings.json).");
        }

        foreach (var (name, colo) in options.Colos)
        {
            if (!ColoName().IsMatch(name))
            {
                throw new FleetSetupException(
                    $"Colo name '{name}' is invalid: use 2-16 lower-case letters and digits, starting with a letter (e.g. 'yvr').");
            }
            if (colo.GatewayPort is < 0 or > 65535)
            {
                throw new FleetSetupException($"PolarGrid:Colos:{name}:GatewayPort must be a TCP port (0 = pick one).");
            }
        }

        var clashing = options.Colos
            .Where(colo => colo.Value.GatewayPort > 0)
            .GroupBy(colo => colo.Value.GatewayPort)
            .FirstOrDefault(group => group.Count() > 1);
        if (clashing is not null)
        {
            throw new FleetSetupException(
                $"Colos {string.Join(" and ", clashing.Select(colo => colo.Key))} both use gateway port {clashing.Key}.");
        }
    }
}
