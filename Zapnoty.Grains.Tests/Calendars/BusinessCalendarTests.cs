using NodaTime;
using NodaTime.Text;
using Zapnoty.Grains.Calendars;

namespace Zapnoty.Grains.Tests.Calendars;

/// <summary>Business-time arithmetic on fixed instants; no cluster needed, the calendar is pure.</summary>
public sealed class BusinessCalendarTests
{
    private static readonly string[] Weekdays = ["mon", "tue", "wed", "thu", "fri"];

    private static BusinessCalendar Calendar(string zone, (string Start, string End)[] periods, string[]? holidays = null,
        string[]? workingDays = null, string[]? days = null) =>
        new(CalendarRules.Normalize(new ProjectCalendar(zone,
            (days ?? Weekdays).SelectMany(d => periods.Select(p => new WorkPeriod(d, p.Start, p.End))).ToList(),
            [.. holidays ?? []], [.. workingDays ?? []], null)));

    private static Instant At(string instant) => InstantPattern.ExtendedIso.Parse(instant).Value;

    private static Instant Local(string zone, string local) =>
        LocalDateTimePattern.GeneralIso.Parse(local).Value.InZoneStrictly(DateTimeZoneProviders.Tzdb[zone]).ToInstant();

    [Fact]
    public void A_ticket_created_Friday_at_17_55_with_a_one_business_hour_target_is_due_Monday_at_09_55()
    {
        var calendar = Calendar("Europe/Moscow", [("09:00", "18:00")]);
        // 2027-01-08 is a Friday.
        var due = calendar.AddBusinessTime(Local("Europe/Moscow", "2027-01-08T17:55:00"), Duration.FromHours(1));
        Assert.Equal(Local("Europe/Moscow", "2027-01-11T09:55:00"), due);
        Assert.Equal(Duration.FromHours(1), calendar.BusinessTimeBetween(Local("Europe/Moscow", "2027-01-08T17:55:00"), due!.Value));
    }

    [Fact]
    public void Imported_dates_count_with_the_teams_own_and_the_teams_own_word_wins_where_they_disagree()
    {
        var calendar = new BusinessCalendar(CalendarRules.Normalize(new ProjectCalendar("Europe/Moscow",
            Weekdays.Select(d => new WorkPeriod(d, "09:00", "18:00")).ToList(), ["2027-01-04"], ["2027-01-11"], "https://example.com/ru.ics")
        {
            ImportedHolidays = ["2027-01-05", "2027-01-11"],
            ImportedWorkingDays = ["2027-01-04", "2027-01-09"],
        }));
        Duration Worked(string date) => calendar.BusinessTimeBetween(Local("Europe/Moscow", $"{date}T00:00:00"), Local("Europe/Moscow", $"{date}T23:59:00"));

        Assert.Equal(Duration.Zero, Worked("2027-01-04"));           // Monday: the team's holiday beats the imported working day
        Assert.Equal(Duration.Zero, Worked("2027-01-05"));           // Tuesday: an imported holiday
        Assert.Equal(Duration.FromHours(9), Worked("2027-01-09"));   // Saturday: an imported working day
        Assert.Equal(Duration.FromHours(9), Worked("2027-01-11"));   // Monday: the team's working day beats the imported holiday
        Assert.Equal(Duration.FromHours(9), Worked("2027-01-06"));   // Wednesday: nobody says otherwise
    }

    [Fact]
    public void Europe_Moscow_has_no_DST_so_a_summer_day_counts_like_a_winter_day_at_UTC_plus_3()
    {
        var calendar = Calendar("Europe/Moscow", [("09:00", "18:00")]);
        Assert.Equal(At("2027-07-05T07:00:00Z"), calendar.AddBusinessTime(At("2027-07-05T05:00:00Z"), Duration.FromHours(1)));
        Assert.Equal(At("2027-01-04T07:00:00Z"), calendar.AddBusinessTime(At("2027-01-04T05:00:00Z"), Duration.FromHours(1)));
    }

    [Fact]
    public void The_lunch_break_between_two_periods_of_a_day_is_skipped()
    {
        var calendar = Calendar("Europe/Moscow", [("09:00", "13:00"), ("14:00", "18:00")]);
        var due = calendar.AddBusinessTime(Local("Europe/Moscow", "2027-01-04T12:30:00"), Duration.FromHours(1));
        Assert.Equal(Local("Europe/Moscow", "2027-01-04T14:30:00"), due);
        Assert.Equal(Duration.FromHours(8), calendar.BusinessTimeBetween(Local("Europe/Moscow", "2027-01-04T00:00:00"), Local("Europe/Moscow", "2027-01-05T00:00:00")));
    }

    [Fact]
    public void A_holiday_is_skipped_entirely()
    {
        // Monday 2027-01-04 a holiday: Friday 17:00 + 2 h runs 1 h on Friday and 1 h on Tuesday.
        var calendar = Calendar("Europe/Moscow", [("09:00", "18:00")], holidays: ["2027-01-04"]);
        Assert.Equal(Local("Europe/Moscow", "2027-01-05T10:00:00"), calendar.AddBusinessTime(Local("Europe/Moscow", "2027-01-01T17:00:00"), Duration.FromHours(2)));
    }

    [Fact]
    public void An_extra_working_Saturday_is_worked_with_the_hours_of_a_weekday()
    {
        // Saturday 2027-11-06, as Russia's moved working Saturdays.
        var calendar = Calendar("Europe/Moscow", [("09:00", "13:00"), ("14:00", "18:00")], workingDays: ["2027-11-06"]);
        Assert.Equal(Local("Europe/Moscow", "2027-11-06T10:00:00"), calendar.AddBusinessTime(Local("Europe/Moscow", "2027-11-05T17:00:00"), Duration.FromHours(2)));
        Assert.Equal(Duration.FromHours(8), calendar.BusinessTimeBetween(Local("Europe/Moscow", "2027-11-06T00:00:00"), Local("Europe/Moscow", "2027-11-07T00:00:00")));
    }

    [Fact]
    public void The_Berlin_spring_forward_night_counts_the_two_hours_that_really_pass_between_01_00_and_04_00()
    {
        // 2027-03-28 02:00 CET becomes 03:00 CEST: 01:00–04:00 local is 00:00Z–02:00Z.
        var calendar = Calendar("Europe/Berlin", [("01:00", "04:00")], days: ["sat", "sun", "mon"]);
        Assert.Equal(Duration.FromHours(2), calendar.BusinessTimeBetween(At("2027-03-27T12:00:00Z"), At("2027-03-28T12:00:00Z")));
        // From Saturday after work, 2 h 30 min: the 2 h of Sunday night, then Monday 01:30 CEST.
        Assert.Equal(At("2027-03-28T23:30:00Z"), calendar.AddBusinessTime(At("2027-03-27T12:00:00Z"), Duration.FromMinutes(150)));
    }

    [Fact]
    public void A_period_inside_the_spring_forward_gap_gives_no_working_time_and_the_arithmetic_moves_on()
    {
        var calendar = Calendar("Europe/Berlin", [("02:00", "03:00")], days: ["sun", "mon"]);
        Assert.Equal(Duration.Zero, calendar.BusinessTimeBetween(At("2027-03-27T12:00:00Z"), At("2027-03-28T12:00:00Z")));
        Assert.Equal(Local("Europe/Berlin", "2027-03-29T02:30:00"), calendar.AddBusinessTime(At("2027-03-27T12:00:00Z"), Duration.FromMinutes(30)));
    }

    [Fact]
    public void The_Berlin_fall_back_night_counts_the_four_hours_that_really_pass_between_01_00_and_04_00()
    {
        // 2027-10-31 03:00 CEST becomes 02:00 CET: 01:00 CEST (23:00Z) to 04:00 CET (03:00Z).
        var calendar = Calendar("Europe/Berlin", [("01:00", "04:00")], days: ["sun"]);
        Assert.Equal(Duration.FromHours(4), calendar.BusinessTimeBetween(At("2027-10-30T12:00:00Z"), At("2027-10-31T12:00:00Z")));
        Assert.Equal(At("2027-10-31T02:30:00Z"), calendar.AddBusinessTime(At("2027-10-30T12:00:00Z"), Duration.FromMinutes(210)));
    }

    [Fact]
    public void A_New_York_day_that_works_until_24_00_ends_at_the_next_local_midnight()
    {
        var calendar = Calendar("America/New_York", [("20:00", "24:00")], days: ["sat"]);
        // 2027-03-13 is a Saturday, before the 2027-03-14 change: EST, UTC-5.
        Assert.Equal(At("2027-03-14T05:00:00Z"), calendar.AddBusinessTime(At("2027-03-13T12:00:00Z"), Duration.FromHours(4)));
    }

    [Fact]
    public void A_year_of_holidays_makes_the_search_give_up_with_no_due_time_instead_of_looping()
    {
        var year = Enumerable.Range(0, 800).Select(i => new LocalDate(2027, 1, 1).PlusDays(i)).Select(CalendarRules.DateText).ToArray();
        var calendar = Calendar("Europe/Moscow", [("09:00", "18:00")], holidays: year);
        Assert.Null(calendar.AddBusinessTime(At("2027-01-01T00:00:00Z"), Duration.FromHours(1)));
    }

    [Fact]
    public void Overlapping_periods_unknown_zones_bad_times_and_an_empty_week_are_refused()
    {
        Assert.Equal("week.mon", Assert.Throws<DomainException>(() => Calendar("Europe/Moscow", [("09:00", "13:00"), ("12:00", "18:00")])).Field);
        Assert.Equal("time_zone", Assert.Throws<DomainException>(() => Calendar("Mars/Olympus", [("09:00", "18:00")])).Field);
        Assert.Equal("week.mon", Assert.Throws<DomainException>(() => Calendar("Europe/Moscow", [("18:00", "09:00")])).Field);
        Assert.Equal("week.mon", Assert.Throws<DomainException>(() => Calendar("Europe/Moscow", [("9:00", "18:00")])).Field);
        Assert.Equal("week.mon", Assert.Throws<DomainException>(() => Calendar("Europe/Moscow", [("24:00", "24:00")])).Field);
        Assert.Equal("week", Assert.Throws<DomainException>(() => Calendar("Europe/Moscow", [("09:00", "18:00")], days: [])).Field);
        Assert.Equal("working_days", Assert.Throws<DomainException>(() =>
            Calendar("Europe/Moscow", [("09:00", "18:00")], holidays: ["2027-01-01"], workingDays: ["2027-01-01"])).Field);
    }
}
