namespace Zapnoty.Grains.Email;

/// <summary>
/// One email. <see cref="Template"/> names its kind (see <see cref="EmailTemplates"/>) and is all
/// that reaches the log: the subject and body may carry a login code or a person's text.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Email.EmailMessage")]
public sealed record EmailMessage(
    [property: Id(0)] string To,
    [property: Id(3)] string Template,
    [property: Id(1)] string Subject,
    [property: Id(2)] string Body);

/// <summary>The kinds of email we send, as they appear in the log.</summary>
public static class EmailTemplates
{
    public const string LoginCode = "login-code";
    public const string Invitation = "invitation";
    public const string MemberAdded = "member-added";
    public const string OwnershipTransferCode = "ownership-transfer-code";
    public const string Notifications = "notifications";
}

public interface IEmailSender
{
    Task Send(EmailMessage message, CancellationToken cancellationToken);
}
