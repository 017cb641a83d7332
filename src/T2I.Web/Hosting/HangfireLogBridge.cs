using HangfireLogLevel = Hangfire.Logging.LogLevel;

namespace T2I.Web.Hosting;

/// <summary>
/// Hangfire's logging goes through one process-wide provider. This bridge forwards to an app's
/// <see cref="ILoggerFactory"/> and goes quiet once that app is disposed, so a stopped app (in tests, the
/// benchmark) cannot break logging — and with it storage construction — of another app in the process.
/// </summary>
public sealed class HangfireLogBridge(ILoggerFactory factory) : Hangfire.Logging.ILogProvider
{
    public Hangfire.Logging.ILog GetLogger(string name) => new ForwardingLog(factory, name);

    private sealed class ForwardingLog(ILoggerFactory factory, string name) : Hangfire.Logging.ILog
    {
        private ILogger? _logger;

        public bool Log(HangfireLogLevel level, Func<string>? message, Exception? exception = null)
        {
            try
            {
                _logger ??= factory.CreateLogger(name);
                var mapped = (LogLevel)(int)level; // Hangfire's levels Trace..Fatal match Trace..Critical
                if (message is null) return _logger.IsEnabled(mapped);
                if (_logger.IsEnabled(mapped)) _logger.Log(mapped, exception, "{Message}", message());
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
