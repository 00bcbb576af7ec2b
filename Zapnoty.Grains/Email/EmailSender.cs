using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Zapnoty.Grains.Email;

[GenerateSerializer, Immutable]
public sealed record EmailMessage([property: Id(0)] string To, [property: Id(1)] string Subject, [property: Id(2)] string Body);

public interface IEmailSender
{
    Task Send(EmailMessage message, CancellationToken cancellationToken);
}

/// <summary>Configuration section <c>Zapnoty:Smtp</c>.</summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 587;
    public string From { get; set; } = "Zapnoty Helpdesk <no-reply@zapnoty.local>";
    public bool UseTls { get; set; }
    public string? User { get; set; }
    public string? Password { get; set; }
}

/// <summary>
/// Sends through the configured SMTP server with MailKit. Without a host (development) the
/// message is written to the log instead, so a person running locally can still log in.
/// </summary>
public sealed class SmtpEmailSender(IOptions<SmtpOptions> options, ILogger<SmtpEmailSender> log) : IEmailSender
{
    public async Task Send(EmailMessage message, CancellationToken cancellationToken)
    {
        var smtp = options.Value;
        if (string.IsNullOrWhiteSpace(smtp.Host))
        {
            log.LogWarning("No SMTP host configured; email to {To} not sent. Subject: {Subject}\n{Body}", message.To, message.Subject, message.Body);
            return;
        }

        var mime = new MimeMessage();
        mime.From.Add(MailboxAddress.Parse(smtp.From));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        mime.Body = new TextPart("plain") { Text = message.Body };

        using var client = new SmtpClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, smtp.UseTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, cancellationToken);
        if (!string.IsNullOrEmpty(smtp.User))
            await client.AuthenticateAsync(smtp.User, smtp.Password ?? "", cancellationToken);
        await client.SendAsync(mime, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
        log.LogInformation("Email '{Subject}' sent to {To}", message.Subject, message.To);
    }
}
