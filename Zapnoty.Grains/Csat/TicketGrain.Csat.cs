using Microsoft.Extensions.Logging;
using Npgsql;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Csat;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Tickets;

// CSAT, kept with its feature: the survey a close sends, the answers, the comment. The ticket
// grain serves it because it is the one writer of the ticket row, so a rating is ordered with
// every other change of the ticket (two presses at once are two turns of this grain).
public sealed partial class TicketGrain : ITicketCsatGrain
{
    public async Task<CsatChatOutcome> RateInChat(CsatChatRating rating)
    {
        var before = await Current();
        if (before.Route != rating.Origin.Route || !CsatLimits.IsScore(rating.Score))
        {
            log.LogWarning("Ticket {TicketId} refused a CSAT press from chat {ChatId} of bot {BotId}: not its chat, or no score of a button",
                before.Id, rating.Origin.Route.ChatId, rating.Origin.Route.BotId);
            return CsatChatOutcome.NotThisChat;
        }
        if (CsatRules.Refusal(before) is { } refusal) return refusal;

        var settings = await GrainFactory.GetGrain<ICsatSettingsGrain>(before.ProjectId).Get();
        var texts = await SurveyTextsFor(before, settings);
        var now = clock.StoredNow();
        var commentUntil = texts.CommentPrompt is null ? (DateTimeOffset?)null : now + CsatLimits.CommentWindow;
        var after = Rated(before, new TicketCsat(rating.Score, null, now, commentUntil), now);
        var route = rating.Origin.Route;
        List<NpgsqlBatchCommand> writes =
        [
            .. ChannelWrites.ForOrigin(rating.Origin, before.Id, before.Number, now),
            ChannelWrites.Enqueue(route, texts.Thanks, null, null, before.Id, now),
        ];
        if (texts.CommentPrompt is { } prompt) writes.Add(ChannelWrites.Enqueue(route, prompt, null, null, before.Id, now));
        await CommitRating(before, after, Actor.Customer(before.Customer.Id), now, writes);
        GrainFactory.GetGrain<IChannelSenderGrain>(route.BotId).Nudge().Ignore();
        return CsatChatOutcome.Recorded;
    }

    public async Task<bool> CommentInChat(CsatChatComment comment)
    {
        var before = await Current();
        var now = clock.StoredNow();
        if (before.Route != comment.Origin.Route || !CsatRules.AwaitsComment(before, now) || string.IsNullOrWhiteSpace(comment.Text)) return false;
        var text = TicketRules.Shorten(comment.Text.Trim(), CsatLimits.MaxCommentLength);
        var taken = (await SurveyTextsFor(before, await GrainFactory.GetGrain<ICsatSettingsGrain>(before.ProjectId).Get())).CommentTaken;
        var after = Rated(before, before.Csat! with { Comment = text, CommentUntil = null }, now);
        await CommitRating(before, after, Actor.Customer(before.Customer.Id), now,
        [
            .. ChannelWrites.ForOrigin(comment.Origin, before.Id, before.Number, now),
            ChannelWrites.Enqueue(comment.Origin.Route, taken, null, null, before.Id, now),
        ]);
        GrainFactory.GetGrain<IChannelSenderGrain>(comment.Origin.Route.BotId).Nudge().Ignore();
        return true;
    }

    public async Task<TicketView> Rate(CsatRating rating)
    {
        var before = await Current();
        if (before.Channel != Channel.Api)
            throw DomainException.Unprocessable(
                $"Ticket #{before.Number} is a {before.Channel.Wire()} conversation: its customer rates it with the buttons in {before.Channel.Wire()}.");
        if (!CsatLimits.IsScore(rating.Score))
            throw DomainException.Unprocessable($"A score is {CsatLimits.MinScore} to {CsatLimits.MaxScore}.", "score");
        switch (CsatRules.Refusal(before))
        {
            case CsatChatOutcome.AlreadyRated:
                throw DomainException.Conflict($"Ticket #{before.Number} was already rated after this close; the first rating stays.");
            case CsatChatOutcome.NotOpen:
                throw DomainException.Unprocessable(before.Status == TicketStatus.Closed
                    ? $"No survey was sent for ticket #{before.Number} (CSAT was off when it closed): there is nothing to answer."
                    : $"Ticket #{before.Number} is not closed: a ticket is rated after it closes.");
        }
        if (rating.Comment is { Length: > CsatLimits.MaxCommentLength })
            throw DomainException.Invalid("comment", $"A comment is at most {CsatLimits.MaxCommentLength} characters.");
        var now = clock.StoredNow();
        var comment = string.IsNullOrWhiteSpace(rating.Comment) ? null : rating.Comment.Trim();
        var after = Rated(before, new TicketCsat(rating.Score, comment, now), now);
        await CommitRating(before, after, rating.Actor, now, []);
        return after;
    }

    private static TicketView Rated(TicketView before, TicketCsat csat, DateTimeOffset now) =>
        before with { Csat = csat, UpdatedAt = now, Version = before.Version + 1 };

    /// <summary>One history entry per part that changed (<c>csat_score</c>, <c>csat_comment</c>) and one <c>ticket.csat_received</c>.</summary>
    private async Task CommitRating(TicketView before, TicketView after, Actor actor, DateTimeOffset now, IReadOnlyList<NpgsqlBatchCommand> writes)
    {
        var csat = after.Csat!;
        var history = new List<HistoryEntry>();
        if (!CsatRules.Answered(before) || before.Csat?.Score != csat.Score)
            history.Add(new HistoryEntry(now, actor, "csat_score", before.Csat?.Score.ToString(), csat.Score.ToString()));
        if (csat.Comment is { } comment && comment != before.Csat?.Comment)
            history.Add(new HistoryEntry(now, actor, "csat_comment", null, comment));
        var team = await TeamFor(after);
        await Commit(before, after, message: null, history, [CsatEvents.Received(after, now, team)], writes);
    }

    /// <summary>The survey's part of a change of status: the ticket as it ends up, and what goes out with it.</summary>
    private sealed record SurveyChange(TicketView After, IReadOnlyList<TicketEvent> Events, IReadOnlyList<NpgsqlBatchCommand> Writes, ChatRoute? Nudge);

    /// <summary>
    /// What a change of status does to the survey, folded into that change's transaction. A close
    /// (not a merge) with CSAT on sends the survey once: the 1–5 buttons to a messenger chat through
    /// the outbox, <c>ticket.csat_requested</c> for a website ticket. A reopen withdraws it: buttons
    /// pressed before the next close are refused, and a rating given stays until a later one.
    /// </summary>
    private async Task<SurveyChange> SurveyOnStatusChange(TicketView before, TicketView after)
    {
        var closes = before.Status != TicketStatus.Closed && after.Status == TicketStatus.Closed && after.MergedInto is null;
        var reopens = before.Status == TicketStatus.Closed && after.Status != TicketStatus.Closed;
        if (reopens && (after.CsatRequestedAt is not null || after.Csat?.CommentUntil is not null))
            after = after with { CsatRequestedAt = null, Csat = after.Csat is { } kept ? kept with { CommentUntil = null } : null };
        var unchanged = new SurveyChange(after, [], [], null);
        if (!closes) return unchanged;
        var settings = await GrainFactory.GetGrain<ICsatSettingsGrain>(after.ProjectId).Get();
        if (!settings.Enabled) return unchanged;
        var now = after.UpdatedAt;
        after = after with { CsatRequestedAt = now, Csat = after.Csat is { } earlier ? earlier with { CommentUntil = null } : null };
        if (after.Channel == Channel.Api)
            return new SurveyChange(after, [CsatEvents.Requested(after, now, await TeamFor(after), settings)], [], null);
        if (after.Route is { } route)
        {
            var question = (await SurveyTextsFor(after, settings)).Question;
            return new SurveyChange(after, [], [ChannelWrites.Enqueue(route, question, CsatButtons.For(after.Id), null, after.Id, now)], route);
        }
        return unchanged;
    }

    /// <summary>The survey's texts in the language the ticket's customer last used in their messenger.</summary>
    private async Task<SurveyTexts> SurveyTextsFor(TicketView ticket, CsatSettings settings)
    {
        var book = await GrainFactory.GetGrain<BotLanguages.IBotTextsGrain>(ticket.ProjectId).Get();
        var project = await GrainFactory.GetGrain<Projects.IProjectGrain>(ticket.ProjectId).Get();
        return SurveyTexts.For(book, settings, await customerLanguages.OfCustomer(ticket.Customer.Id, CancellationToken.None), project.Name);
    }
}
