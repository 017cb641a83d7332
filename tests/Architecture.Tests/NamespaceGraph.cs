using Mono.Cecil;

namespace T2I.Architecture.Tests;

/// <summary>
/// Which namespaces of one assembly use which others, read from its IL (signatures, bodies, attributes): the
/// folder graph, since every namespace is its folder. Nested and compiler-generated types (lambdas, iterators)
/// count for the namespace of the type they sit in.
/// </summary>
public sealed class NamespaceGraph
{
    private readonly Dictionary<string, Dictionary<string, SortedSet<string>>> _edges = new();

    public NamespaceGraph(string assemblyPath)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        string root = module.Assembly.Name.Name;
        foreach (var type in module.GetTypes())
        {
            string from = NamespaceOf(type);
            if (from.Length == 0) continue; // <Module>, <PrivateImplementationDetails>, file-local helpers
            foreach (var used in Referenced(type))
            {
                if (used.Scope?.Name is { } scope && scope != module.Name && scope != root) continue; // other assemblies
                string to = NamespaceOf(used);
                if (to.Length == 0 || to == from) continue;
                if (!_edges.TryGetValue(from, out var targets)) _edges[from] = targets = new();
                if (!targets.TryGetValue(to, out var via)) targets[to] = via = new();
                via.Add(TopLevel(type).Name + " → " + TopLevel(used).Name);
            }
        }
    }

    public IReadOnlyCollection<string> Namespaces => _edges.Keys.Concat(_edges.Values.SelectMany(v => v.Keys)).Distinct().ToList();

    /// <summary>The type pairs behind the edge <paramref name="from"/> → <paramref name="to"/> (empty: no edge).</summary>
    public IReadOnlyCollection<string> Edge(string from, string to) =>
        _edges.TryGetValue(from, out var t) && t.TryGetValue(to, out var via) ? via : [];

    /// <summary>Groups of namespaces that reach each other (strongly connected components of size &gt; 1).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var result = new List<IReadOnlyList<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in _edges.TryGetValue(v, out var t) ? t.Keys : Enumerable.Empty<string>())
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            if (component.Count > 1) result.Add(component.OrderBy(n => n, StringComparer.Ordinal).ToList());
        }
        foreach (var v in Namespaces.OrderBy(n => n, StringComparer.Ordinal)) if (!index.ContainsKey(v)) Visit(v);
        return result;
    }

    /// <summary>A readable account of a cycle: every edge inside it with up to three type pairs.</summary>
    public string Describe(IReadOnlyList<string> cycle) => string.Join("\n", cycle.SelectMany(a => cycle.Select(b => (a, b)))
        .Where(e => Edge(e.a, e.b).Count > 0)
        .Select(e => $"  {e.a} → {e.b}: {string.Join(", ", Edge(e.a, e.b).Take(3))}"));

    private static TypeReference TopLevel(TypeReference t)
    {
        while (t.DeclaringType is not null) t = t.DeclaringType;
        return t;
    }

    private static string NamespaceOf(TypeReference t) => TopLevel(t).Namespace;

    private static IEnumerable<TypeReference> Referenced(TypeDefinition type)
    {
        var found = new List<TypeReference>();
        void Add(TypeReference? t)
        {
            switch (t)
            {
                case null: return;
                case GenericInstanceType g: Add(g.ElementType); foreach (var a in g.GenericArguments) Add(a); return;
                case TypeSpecification s: Add(s.ElementType); return;
                case GenericParameter: return;
                default: found.Add(t); return;
            }
        }
        void AddMember(MemberReference m)
        {
            Add(m.DeclaringType);
            switch (m)
            {
                case MethodReference method:
                    Add(method.ReturnType);
                    foreach (var p in method.Parameters) Add(p.ParameterType);
                    if (method is GenericInstanceMethod gm) foreach (var a in gm.GenericArguments) Add(a);
                    break;
                case FieldReference field: Add(field.FieldType); break;
            }
        }
        void Attributes(ICustomAttributeProvider p)
        {
            foreach (var a in p.CustomAttributes) { Add(a.AttributeType); foreach (var arg in a.ConstructorArguments) Add(arg.Value as TypeReference); }
        }

        Add(type.BaseType);
        Attributes(type);
        foreach (var i in type.Interfaces) Add(i.InterfaceType);
        foreach (var f in type.Fields) { Add(f.FieldType); Attributes(f); }
        foreach (var p in type.Properties) { Add(p.PropertyType); Attributes(p); }
        foreach (var e in type.Events) Add(e.EventType);
        foreach (var m in type.Methods)
        {
            Attributes(m);
            Add(m.ReturnType);
            foreach (var p in m.Parameters) Add(p.ParameterType);
            if (!m.HasBody) continue;
            foreach (var v in m.Body.Variables) Add(v.VariableType);
            foreach (var instruction in m.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t: Add(t); break;
                    case MemberReference member: AddMember(member); break;
                }
            }
        }
        return found;
    }
}
