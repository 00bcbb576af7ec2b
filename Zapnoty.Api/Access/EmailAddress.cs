using System.Net.Mail;
using Zapnoty.Api.Problems;

namespace Zapnoty.Api.Access;

public static class EmailAddress
{
    public const int MaxLength = 254;

    /// <summary>The address trimmed and lower-cased, the form accounts and invitations are matched by; 400 when it is not one.</summary>
    public static string Normalized(string? email, string field = "email")
    {
        new Validation().Required(email, field).MaxLength(email, MaxLength, field).ThrowIfAny();
        var trimmed = email!.Trim();
        if (!MailAddress.TryCreate(trimmed, out var address) || address.Address != trimmed || !address.Host.Contains('.'))
            new Validation().Add(field, "This is not an email address.").ThrowIfAny();
        return trimmed.ToLowerInvariant();
    }
}
