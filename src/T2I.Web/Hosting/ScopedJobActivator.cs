using Hangfire;

namespace T2I.Web.Hosting;

/// <summary>
/// Creates each job in its own DI scope of this app. Registered per app because Hangfire's default is the
/// process-wide <c>JobActivator.Current</c>: with two apps in one process (tests, the benchmark) jobs of one
/// would be built from the other's services.
/// </summary>
public sealed class ScopedJobActivator(IServiceScopeFactory scopes) : JobActivator
{
    public override JobActivatorScope BeginScope(JobActivatorContext context) => new Scope(scopes.CreateScope());

    private sealed class Scope(IServiceScope scope) : JobActivatorScope
    {
        public override object Resolve(Type type) => ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, type);

        public override void DisposeScope() => scope.Dispose();
    }
}
