using System.Globalization;

namespace T2I.Web.Generation;

/// <summary>
/// One held generation as the scheduler sees it, stored as one set member (no job reads needed to order the queue):
/// <paramref name="Order"/> (submit time, ticks), <paramref name="Priority"/> (admin-granted: served before others),
/// <paramref name="User"/> (whose turn it is), <paramref name="Cost"/> (images × steps, for ETAs), the job and the
/// generation.
/// </summary>
public sealed record HeldJob(long Order, bool Priority, string User, int Cost, string JobId, string GenerationId)
{
    private const char Separator = '|';

    public string Format() => string.Join(Separator, Order.ToString(CultureInfo.InvariantCulture), Priority ? "1" : "0",
        User, Cost.ToString(CultureInfo.InvariantCulture), JobId, GenerationId);

    /// <summary>Null for a member this version cannot read (it is then never dispatched by us, and says so in the log).</summary>
    public static HeldJob? Parse(string value)
    {
        var parts = value.Split(Separator);
        return parts.Length == 6 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out long order)
            && int.TryParse(parts[3], CultureInfo.InvariantCulture, out int cost)
            ? new HeldJob(order, parts[1] == "1", parts[2], cost, parts[4], parts[5])
            : null;
    }

    /// <summary>User names become part of a set member: the separator may not appear in them.</summary>
    public static string SafeUser(string user) => user.Replace(Separator, '_');
}
