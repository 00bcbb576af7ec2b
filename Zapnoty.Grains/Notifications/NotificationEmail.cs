using System.Text;
using Zapnoty.Grains.Email;

namespace Zapnoty.Grains.Notifications;

/// <summary>
/// The email about notifications. It says who did what on which ticket of which project and links
/// to the ticket; it never carries the note's text or the ticket's subject (whatever the team or
/// the customer typed stays in the dashboard, behind a login), nor any code, token or key. The
/// subject has no text of anyone's (project names stay in the body, quoted).
/// </summary>
public static class NotificationEmail
{
    public static EmailMessage Of(string to, IReadOnlyList<NotificationView> items, int more, string dashboardUrl)
    {
        var body = new StringBuilder();
        body.Append(items.Count + more == 1 ? "You have a new notification" : $"You have {items.Count + more} new notifications")
            .Append(" on Zapnoty Helpdesk while you were away:\n\n");
        foreach (var n in items)
            body.Append("- ").Append(Line(n)).Append('\n')
                .Append("  ").Append(dashboardUrl.TrimEnd('/')).Append("/#/p/").Append(n.ProjectId).Append("/tickets/").Append(n.TicketId).Append('\n');
        if (more > 0) body.Append($"\nand {more} more in the dashboard.\n");
        body.Append("\nYou get these emails when someone mentions you in a note or assigns you a ticket, or a rule of the project calls for you, while you are not using the dashboard; ")
            .Append("at most one every few minutes.");
        var subject = items.Count + more == 1 ? "New notification on Zapnoty Helpdesk" : $"{items.Count + more} new notifications on Zapnoty Helpdesk";
        return new EmailMessage(to, EmailTemplates.Notifications, subject, body.ToString());
    }

    private static string Line(NotificationView n)
    {
        if (n.Kind == NotificationKinds.Rule)
            return $"Rule \"{n.ActorName ?? "(deleted)"}\" called for your attention on ticket #{n.TicketNumber} in \"{n.ProjectName}\"";
        var who = n.ActorName ?? (n.Actor.Kind == ActorKind.ApiKey ? "An API key" : "Someone");
        var what = n.Kind == NotificationKinds.Mention ? "mentioned you in a note on" : "assigned you";
        return $"{who} {what} ticket #{n.TicketNumber} in \"{n.ProjectName}\"";
    }
}
