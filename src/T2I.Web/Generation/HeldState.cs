using Hangfire;
using Hangfire.States;
using Hangfire.Storage;

namespace T2I.Web.Generation;

/// <summary>
/// A generation job waiting for its turn: created, linked to its record, but not yet in Hangfire's FIFO queue, where
/// <see cref="FairDispatcher"/> moves jobs one user at a time. Its <see cref="Handler"/> keeps the set of held jobs
/// (<see cref="HeldJob"/> entries) in the same storage transaction as the state change, so the set and the jobs never
/// disagree, whichever process or crash interrupts them.
/// </summary>
public sealed class HeldState(HeldJob entry) : IState
{
    public HeldJob Entry { get; } = entry;

    public const string StateName = "Held";
    public const string SetKey = "t2i:generation:held";

    public string Name => StateName;
    public string Reason => $"Waiting for its turn ({Entry.User})";
    public bool IsFinal => false;
    public bool IgnoreJobLoadException => false;

    public Dictionary<string, string> SerializeData() => new() { [EntryKey] = Entry.Format() };

    private const string EntryKey = "Entry";

    /// <summary>Registers the handler once per process (Hangfire's handler list is global; the handler holds no state).</summary>
    public static void Register() => _ = Registered.Value;

    private static readonly Lazy<bool> Registered = new(() =>
    {
        GlobalStateHandlers.Handlers.Add(new Handler());
        return true;
    });

    private sealed class Handler : IStateHandler
    {
        public string StateName => HeldState.StateName;

        public void Apply(ApplyStateContext context, IWriteOnlyTransaction transaction)
        {
            if (context.NewState is HeldState held) transaction.AddToSet(SetKey, held.SerializeData()[EntryKey], held.Entry.Order);
        }

        /// <summary>Leaving Held (dispatched, cancelled, expired): the entry the state was applied with leaves the set.</summary>
        public void Unapply(ApplyStateContext context, IWriteOnlyTransaction transaction)
        {
            if (context.Connection.GetStateData(context.BackgroundJob.Id)?.Data is { } data && data.TryGetValue(EntryKey, out var value))
                transaction.RemoveFromSet(SetKey, value);
        }
    }
}
