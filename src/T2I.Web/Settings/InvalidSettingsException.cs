namespace T2I.Web.Settings;

/// <summary>A setting that cannot work; the message is one line per problem, naming the setting.</summary>
public sealed class InvalidSettingsException(string message) : Exception(message);
