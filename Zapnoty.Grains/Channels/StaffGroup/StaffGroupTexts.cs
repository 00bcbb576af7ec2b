using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Channels.StaffGroup;

/// <summary>What the bot says in the staff group (English: the team's working language in the dashboard too).</summary>
public static class StaffGroupTexts
{
    public const string CodeUnknown = "This code is unknown, already used or expired. Get a new one in the dashboard (your profile → Telegram) and send /link <code> here.";
    public const string OnlyGroupAdmins = "Only an administrator of this group can link it to a project.";

    public static string AccountLinked(string name, bool groupLinked) => groupLinked
        ? $"Your Telegram account now answers as {name}."
        : $"Your Telegram account now answers as {name}. A project admin can now link this group in Settings → Channels → Telegram staff group with the same code.";

    public static string NotLinked(string who) =>
        $"{who}, your Telegram account is not linked to a member of the project, so this was not sent to the customer. Get a code in the dashboard (your profile → Telegram) and send /link <code> here.";

    public static string NotMember(string who) =>
        $"{who}, your linked account is no longer a member of the project, so this was not sent to the customer.";

    public static string Viewer(string who) =>
        $"{who}, you are a viewer in the project: viewers cannot answer customers or change tickets, so this was not sent.";

    public const string EditNotSent =
        "Edits are not passed on: the customer already has the first version. Send the correction as a new message.";

    public const string NoteFilesNotKept = "Notes keep text only: the file was not kept. Attach it to a note in the dashboard.";

    public static string FileTooLarge(long? bytes) =>
        "Not sent to the customer: Telegram lets a bot fetch files of up to 20 MB" + (bytes is { } size ? $", and this one is {size / 1024.0 / 1024.0:0.0} MB" : "") +
        ". Attach it to a reply in the dashboard (up to 50 MB) or share a link.";

    public static string FileUnavailable(string reason) =>
        $"Not sent to the customer: the bot could not fetch the file from Telegram ({reason}). Send it again, or attach it to a reply in the dashboard.";

    /// <summary>The note prompt: it names the person who pressed Note, so that Telegram opens the reply for them only.</summary>
    public static string NotePrompt(string? username) =>
        (username is null ? "Reply" : $"@{username}, reply") + " to this message to add an internal note (the customer will not see it).";

    public const string NotePlaceholder = "Internal note";

    public static string Refused(string reason) => $"Not done: {reason}";

    public static string AssignUsage => "Use /assign @username (someone who linked their Telegram account) or /assign me.";

    /// <summary>The topic's name: the status as a sign (forum icons need premium custom emoji), the number and subject.</summary>
    public static string TopicName(long number, string subject, TicketStatus status) => $"{Sign(status)}#{number} {subject}";

    private static string Sign(TicketStatus status) => status switch
    {
        TicketStatus.Waiting => "⏳ ",
        TicketStatus.Closed => "✅ ",
        _ => "",
    };
}
