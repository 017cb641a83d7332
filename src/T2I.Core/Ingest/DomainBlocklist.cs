namespace T2I.Core.Ingest;

/// <summary>Blocked hosts: a listed host blocks itself and every subdomain (<c>example.com</c> blocks <c>cdn.example.com</c>).</summary>
public sealed class DomainBlocklist
{
    private readonly HashSet<string> _hosts;

    public DomainBlocklist(IEnumerable<string> hosts) =>
        _hosts = new HashSet<string>(hosts.Select(Normalise).Where(h => h.Length > 0), StringComparer.OrdinalIgnoreCase);

    public static DomainBlocklist From(FilterConfig config)
    {
        var hosts = config.BlockedDomains.AsEnumerable();
        if (config.BlockedDomainsFile is { } file)
            hosts = hosts.Concat(File.ReadLines(file).Select(l => l.Split('#')[0]));
        return new DomainBlocklist(hosts);
    }

    public int Count => _hosts.Count;

    public bool IsBlocked(string? url)
    {
        if (_hosts.Count == 0 || string.IsNullOrWhiteSpace(url)) return false;
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host)) return false;
        string host = uri.Host.TrimEnd('.');
        // Walk the suffixes: a.b.example.com, b.example.com, example.com, com.
        for (int i = -1; ;)
        {
            if (_hosts.Contains(host[(i + 1)..])) return true;
            i = host.IndexOf('.', i + 1);
            if (i < 0) return false;
        }
    }

    private static string Normalise(string h)
    {
        h = h.Trim().TrimEnd('.');
        if (h.Contains("://") && Uri.TryCreate(h, UriKind.Absolute, out var u)) h = u.Host;
        return h.StartsWith("*.") ? h[2..] : h;
    }
}
