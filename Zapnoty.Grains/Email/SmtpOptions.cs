using System.Diagnostics.CodeAnalysis;
using System.Net;
using MailKit.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Zapnoty.Grains.Email;

/// <summary>How the connection to the SMTP relay is secured.</summary>
public enum SmtpSecurity
{
    /// <summary>STARTTLS, required: a relay that does not offer it gets nothing (the default).</summary>
    StartTls,

    /// <summary>STARTTLS when the relay offers it, else clear text; credentials are still never sent in clear text.</summary>
    StartTlsWhenAvailable,

    /// <summary>TLS from the first byte (SMTPS, usually port 465).</summary>
    SslOnConnect,

    /// <summary>Clear text: only for a relay on this machine (localhost, 127.0.0.1, ::1), and without credentials.</summary>
    None,
}

/// <summary>Configuration section <c>Zapnoty:Smtp</c>.</summary>
public sealed class SmtpOptions
{
    public const string Section = "Zapnoty:Smtp";

    public string? Host { get; set; }
    public int Port { get; set; } = 587;
    public string From { get; set; } = "Zapnoty Helpdesk <no-reply@zapnoty.local>";
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;
    public string? User { get; set; }
    public string? Password { get; set; }

    /// <summary>
    /// Development only: without a host, write undeliverable emails, login codes included, to the
    /// log so a person running locally can log in. Refused at start in any other environment.
    /// </summary>
    public bool LogCodes { get; set; }

    [MemberNotNullWhen(true, nameof(Host))]
    public bool HasHost => !string.IsNullOrWhiteSpace(Host);

    public SecureSocketOptions SocketOptions => Security switch
    {
        SmtpSecurity.StartTlsWhenAvailable => SecureSocketOptions.StartTlsWhenAvailable,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.None => SecureSocketOptions.None,
        _ => SecureSocketOptions.StartTls,
    };

    /// <summary>What keeps these settings from being safe to start with; empty when they are.</summary>
    public IEnumerable<string> Problems(bool development)
    {
        if (!HasHost && !development)
            yield return $"{Section}:Host is not set. Login codes are delivered only by email: configure an SMTP relay " +
                "(Zapnoty__Smtp__Host), or for a local trial run in the Development environment with Zapnoty__Smtp__LogCodes=true.";
        if (LogCodes && !development)
            yield return $"{Section}:LogCodes writes login codes to the log and is honoured only in the Development environment.";
        if (Security == SmtpSecurity.None && HasHost && !IsLoopback(Host))
            yield return $"{Section}:Security=None sends login codes in clear text and is allowed only for a relay on this machine " +
                "(localhost, 127.0.0.1, ::1); use StartTls (the default), StartTlsWhenAvailable or SslOnConnect.";
        if (Security == SmtpSecurity.None && !string.IsNullOrEmpty(User))
            yield return $"{Section}:Security=None with a User would send the SMTP password in clear text; use StartTls.";
        if (Port is < 1 or > 65535)
            yield return $"{Section}:Port must be between 1 and 65535.";
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
}

/// <summary>Checks <see cref="SmtpOptions"/> at start, so a silo that would leak or drop login codes does not come up.</summary>
public sealed class SmtpOptionsValidation(IHostEnvironment environment) : IValidateOptions<SmtpOptions>
{
    public ValidateOptionsResult Validate(string? name, SmtpOptions options)
    {
        var problems = options.Problems(environment.IsDevelopment()).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
