using Zapnoty.Grains.Audit;
using Zapnoty.Grains.CannedReplies;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Projects;

/// <summary>
/// Canned replies, shared by the whole team: kept in memory once first used (most projects
/// never ask, so activation does not load them), changed like everything else here —
/// validate, one transaction with the audit entry, then memory.
/// </summary>
public sealed partial class ProjectGrain
{
    private static readonly IComparer<CannedReplyView> CannedReplyOrder =
        Comparer<CannedReplyView>.Create((a, b) => CannedReplyRules.Order(a.Title, a.Id, b.Title, b.Id));

    private List<CannedReplyView>? _cannedReplies;

    public async Task<IReadOnlyList<CannedReplyView>> ListCannedReplies(CannedReplyPosition? after, int limit)
    {
        _ = State;
        var replies = await CannedReplies();
        return replies
            .Where(r => after is null || CannedReplyRules.Order(r.Title, r.Id, after.Title, after.Id) > 0)
            .Order(CannedReplyOrder)
            .Take(limit)
            .ToList();
    }

    public async Task<CannedReplyView> AddCannedReply(Actor actor, string? title, string? text)
    {
        _ = State;
        title = CannedReplyRules.Title(title);
        text = CannedReplyRules.Text(text);
        var replies = await CannedReplies();
        if (replies.Count >= CannedReplyLimits.MaxPerProject)
            throw DomainException.Conflict($"A project can have at most {CannedReplyLimits.MaxPerProject} canned replies; delete one first.");

        var now = clock.StoredNow();
        var reply = new CannedReplyView(Guid.NewGuid(), title, text, now, now);
        await cannedReplies.Insert(ProjectId, reply,
            new AuditEntry(now, actor, AuditActions.CannedReplyCreated, reply.Id.ToString(), new { title }), CancellationToken.None);
        replies.Add(reply);
        return reply;
    }

    public async Task<CannedReplyView> ChangeCannedReply(Guid cannedReplyId, CannedReplyChange change)
    {
        _ = State;
        var replies = await CannedReplies();
        var index = CannedReplyIndex(replies, cannedReplyId);
        var before = replies[index];
        var after = before with
        {
            Title = change.ChangesTitle ? CannedReplyRules.Title(change.Title) : before.Title,
            Text = change.ChangesText ? CannedReplyRules.Text(change.Text) : before.Text,
            TagIds = change.ChangesTags ? await CannedReplyTags(change.TagIds) : before.TagIds,
        };
        if (after.Title == before.Title && after.Text == before.Text && SameTags(after.TagIds, before.TagIds)) return before;

        after = after with { UpdatedAt = clock.StoredNow() };
        await cannedReplies.Update(ProjectId, after, new AuditEntry(after.UpdatedAt, change.Actor, AuditActions.CannedReplyChanged,
            cannedReplyId.ToString(), new { from = ChangedFields(before, after), to = ChangedFields(after, before) }), CancellationToken.None);
        replies[index] = after;
        return after;

        // Only what changed, so a retitled reply does not copy 4 KB of unchanged text into the log.
        static Dictionary<string, string> ChangedFields(CannedReplyView of, CannedReplyView other)
        {
            var fields = new Dictionary<string, string>();
            if (of.Title != other.Title) fields["title"] = of.Title;
            if (of.Text != other.Text) fields["text"] = of.Text;
            if (!SameTags(of.TagIds, other.TagIds)) fields["tag_ids"] = string.Join(",", of.TagIds ?? []);
            return fields;
        }
    }

    public async Task DeleteCannedReply(Actor actor, Guid cannedReplyId)
    {
        _ = State;
        var replies = await CannedReplies();
        var index = CannedReplyIndex(replies, cannedReplyId);
        var reply = replies[index];
        // The text goes into the log: it is the only copy left of what the team had written.
        await cannedReplies.Delete(ProjectId, cannedReplyId, new AuditEntry(clock.StoredNow(), actor, AuditActions.CannedReplyDeleted,
            cannedReplyId.ToString(), new { title = reply.Title, text = reply.Text }), CancellationToken.None);
        replies.RemoveAt(index);
    }

    public async Task<string?> RenderCannedReply(Guid cannedReplyId, TicketView ticket, Actor agent)
    {
        var state = State;
        if (ticket.ProjectId != ProjectId)
            throw new ArgumentException($"Ticket {ticket.Id} belongs to project {ticket.ProjectId}, not {ProjectId}.", nameof(ticket));
        var reply = (await CannedReplies()).FirstOrDefault(r => r.Id == cannedReplyId);
        if (reply is null) return null;

        var agentName = await cannedReplies.AgentName(ProjectId, agent, CancellationToken.None);
        var text = ReplyTemplate.Parse(reply.Text).Render(ReplyVariables.Values(
            ticket.Customer.Name, ticket.Number, ticket.Subject, ticket.TypeName, agentName ?? "", state.Project.Name));

        // What is rendered is what would be sent, so it must be a valid message.
        if (string.IsNullOrWhiteSpace(text))
            throw DomainException.Invalid("canned_reply_id",
                $"The canned reply '{reply.Title}' renders to empty text for ticket #{ticket.Number}; give its variables fallbacks.");
        if (text.Length > TicketLimits.MaxTextLength)
            throw DomainException.Invalid("canned_reply_id",
                $"The canned reply '{reply.Title}' renders to {text.Length} characters for ticket #{ticket.Number}; a message is at most {TicketLimits.MaxTextLength}.");
        return text;
    }

    /// <summary>The project's canned replies, loaded from Postgres on first use.</summary>
    private async Task<List<CannedReplyView>> CannedReplies() =>
        _cannedReplies ??= await cannedReplies.Load(ProjectId, CancellationToken.None);

    private static int CannedReplyIndex(List<CannedReplyView> replies, Guid cannedReplyId)
    {
        var index = replies.FindIndex(r => r.Id == cannedReplyId);
        return index >= 0 ? index : throw DomainException.NotFound($"Canned reply {cannedReplyId} does not exist in this project.");
    }
}
