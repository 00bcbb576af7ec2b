using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Utils;

namespace Zapnoty.Grains.Email;

/// <summary>
/// Sends through the configured SMTP relay with MailKit, over TLS unless configured otherwise
/// (<see cref="SmtpOptions.Security"/>). The log gets the template and the message id, never the
/// subject or body: those carry login codes. Without a host (Development only, checked at start)
/// the message is dropped, or with <see cref="SmtpOptions.LogCodes"/> written to the log.
/// </summary>
public sealed class SmtpEmailSender(IOptions<SmtpOptions> options, ILogger<SmtpEmailSender> log) : IEmailSender
{
    public async Task Send(EmailMessage message, CancellationToken cancellationToken)
    {
        var smtp = options.Value;
        if (!smtp.HasHost)
        {
            if (smtp.LogCodes)
                log.LogWarning("No SMTP host; development mode writes the {Template} email to {To} here:\n{Body}", message.Template, message.To, message.Body);
            else
                log.LogWarning("No SMTP host; the {Template} email to {To} was not sent", message.Template, message.To);
            return;
        }

        var mime = new MimeMessage { MessageId = MimeUtils.GenerateMessageId() };
        mime.From.Add(MailboxAddress.Parse(smtp.From));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        mime.Body = new TextPart("plain") { Text = message.Body };

        using var client = new SmtpClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, smtp.SocketOptions, cancellationToken);
        if (!string.IsNullOrEmpty(smtp.User))
        {
            // StartTlsWhenAvailable against a relay without STARTTLS ends up here in clear text.
            if (!client.IsSecure)
                throw new InvalidOperationException($"The SMTP relay {smtp.Host}:{smtp.Port} offered no TLS; SMTP credentials are never sent in clear text.");
            await client.AuthenticateAsync(smtp.User, smtp.Password ?? "", cancellationToken);
        }
        await client.SendAsync(mime, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
        log.LogInformation("Email {Template} sent as {MessageId}", message.Template, mime.MessageId);
    }
}
