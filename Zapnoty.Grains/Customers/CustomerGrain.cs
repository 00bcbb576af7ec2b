using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.Customers;

/// <summary>Keeps nothing in memory: the notes are read with the profile, so there is no cache to go stale.</summary>
public sealed class CustomerGrain(CustomerDirectory directory, TimeProvider clock) : Grain, ICustomerGrain
{
    public async Task ChangeNotes(Guid projectId, Actor actor, string? notes)
    {
        var value = string.IsNullOrWhiteSpace(notes) ? null : notes.Trim();
        if (value?.Length > CustomerLimits.MaxNotesLength)
            throw DomainException.Invalid("notes", $"Notes must be at most {CustomerLimits.MaxNotesLength} characters (got {value.Length}).");
        // The audit records that notes changed and their length, not the text: it may hold personal details.
        var audit = new AuditEntry(clock.StoredNow(), actor, AuditActions.CustomerNotesChanged, this.GetPrimaryKey().ToString(), new { length = value?.Length ?? 0 });
        if (!await directory.SetNotes(projectId, this.GetPrimaryKey(), value, audit, CancellationToken.None))
            throw DomainException.NotFound($"Customer {this.GetPrimaryKey()} does not exist in this project.");
    }
}
