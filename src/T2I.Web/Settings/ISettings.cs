namespace T2I.Web.Settings;

/// <summary>
/// A typed options record of <c>T2I:*</c> settings, bound from one configuration section (<see cref="SettingsBinding"/>).
/// </summary>
public interface ISettings
{
    /// <summary>One line per bad value, naming the setting by its full key; empty when all are usable.</summary>
    IEnumerable<string> Problems();
}
