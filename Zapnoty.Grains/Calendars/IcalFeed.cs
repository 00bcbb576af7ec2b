using NodaTime;

namespace Zapnoty.Grains.Calendars;

/// <summary>
/// The dates a published calendar (<c>ical_url</c>) contributes: fetched by
/// <see cref="IcalFetcher"/>, read by <see cref="IcsImport"/>, dates more than a year old
/// dropped (official feeds carry a decade of past years, which no due time needs), at most
/// <see cref="CalendarLimits.MaxImportedDates"/> of each kind. Every failure is a refusal
/// (422, field <c>ical_url</c>).
/// </summary>
public static class IcalFeed
{
    public sealed record Imported(List<string> Holidays, List<string> WorkingDays);

    public static async Task<Imported> Read(IcalFetcher fetcher, string url, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var text = await fetcher.Fetch(url, cancellationToken);
        var host = new Uri(url).Host;
        IcsImport.Dates dates;
        try
        {
            dates = IcsImport.Read(text);
        }
        catch (DomainException e) when (e.Kind == DomainErrorKind.Invalid)
        {
            throw DomainException.Unprocessable($"The calendar at {host} is not usable: {e.Message}", "ical_url");
        }
        var oldest = LocalDate.FromDateTime(now.UtcDateTime).PlusDays(-366);
        return new Imported(Kept(dates.Holidays, oldest, "holidays", host), Kept(dates.WorkingDays, oldest, "working days", host));
    }

    private static List<string> Kept(SortedSet<LocalDate> dates, LocalDate oldest, string what, string host)
    {
        var kept = dates.GetViewBetween(oldest, LocalDate.MaxIsoValue).Select(CalendarRules.DateText).ToList();
        if (kept.Count > CalendarLimits.MaxImportedDates)
            throw DomainException.Unprocessable(
                $"The calendar at {host} has {kept.Count} {what} from a year ago on; at most {CalendarLimits.MaxImportedDates} are imported.", "ical_url");
        return kept;
    }
}
