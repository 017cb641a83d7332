namespace T2I.Web.Tests.Support;

/// <summary>A job body for tests of the queue itself (public static, so Hangfire runs it without an activator).</summary>
public static class NoopJob
{
    public static void Run() { }
}
