using Zapnoty.Grains.Access;

namespace Zapnoty.Grains.Tests;

/// <summary>The wrong-code rule with the production defaults, the time passed in.</summary>
public sealed class LoginFailureBudgetTests
{
    private static readonly LoginLimitOptions Defaults = new();
    private static readonly DateTimeOffset Nine = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static WrongCodes Wrong(int count, double lastMinutesAgo = 1, double startedHoursAgo = 1) =>
        new(count, Nine.AddHours(-startedHoursAgo), Nine.AddMinutes(-lastMinutesAgo));

    [Fact]
    public void Three_typos_cost_nothing_then_each_wrong_code_doubles_the_wait_from_one_second()
    {
        Assert.Equal(TimeSpan.Zero, LoginFailureBudget.BackOffAfter(2, Defaults));
        Assert.Equal(TimeSpan.FromSeconds(1), LoginFailureBudget.BackOffAfter(3, Defaults));
        Assert.Equal(TimeSpan.FromSeconds(2), LoginFailureBudget.BackOffAfter(4, Defaults));
        Assert.Equal(TimeSpan.FromSeconds(64), LoginFailureBudget.BackOffAfter(9, Defaults));

        var justWrong = new WrongCodes(5, Nine.AddMinutes(-5), Nine.AddSeconds(-1));
        var refusal = LoginFailureBudget.Check(justWrong, null, knownNetwork: false, Nine, Defaults);
        Assert.NotNull(refusal);
        Assert.Equal(TimeSpan.FromSeconds(3), refusal.RetryAfter);
        Assert.Equal("Wait 3 seconds before trying another code.", refusal.Reason);
        Assert.Null(LoginFailureBudget.Check(justWrong, null, knownNetwork: false, Nine.AddSeconds(3), Defaults));
    }

    [Fact]
    public void Ten_wrong_codes_from_a_network_lock_it_out_until_its_day_is_over_and_then_it_starts_afresh()
    {
        var refusal = LoginFailureBudget.Check(Wrong(10, startedHoursAgo: 6), null, knownNetwork: true, Nine, Defaults);
        Assert.NotNull(refusal);
        Assert.Equal(TimeSpan.FromHours(18), refusal.RetryAfter);
        Assert.StartsWith("Too many wrong codes for this address from your network; try again in 18 hours", refusal.Reason);

        Assert.Null(LoginFailureBudget.Check(Wrong(10, startedHoursAgo: 24), null, knownNetwork: true, Nine, Defaults));
    }

    [Fact]
    public void Twenty_wrong_codes_from_unknown_networks_stop_other_unknown_networks_but_not_one_the_address_logged_in_from()
    {
        var strangers = Wrong(20, startedHoursAgo: 2);
        var unknown = LoginFailureBudget.Check(null, strangers, knownNetwork: false, Nine, Defaults);
        Assert.NotNull(unknown);
        Assert.Equal(TimeSpan.FromHours(22), unknown.RetryAfter);
        Assert.Null(LoginFailureBudget.Check(null, strangers, knownNetwork: true, Nine, Defaults));
        Assert.Null(LoginFailureBudget.Check(null, Wrong(19), knownNetwork: false, Nine, Defaults));
    }

    [Fact]
    public void Waits_read_in_seconds_minutes_or_hours_rounded_up()
    {
        Assert.Equal("1 second", WaitText.Of(TimeSpan.FromMilliseconds(10)));
        Assert.Equal("90 seconds", WaitText.Of(TimeSpan.FromSeconds(90)));
        Assert.Equal("2 minutes", WaitText.Of(TimeSpan.FromSeconds(91)));
        Assert.Equal("3 hours", WaitText.Of(TimeSpan.FromMinutes(121)));
    }
}

public sealed class OneLineTextTests
{
    [Theory]
    [InlineData("Acme support")]
    [InlineData("Café Zürich — 東京")]
    [InlineData("Family 👨‍👩‍👧 shop")]
    [InlineData("می‌خواهم")]
    public void Ordinary_names_in_any_script_with_emoji_pass(string name) => Assert.True(OneLineText.IsSafe(name));

    [Theory]
    [InlineData("Shop\nINFO Zapnoty.Api: fake line")]
    [InlineData("Shop\r")]
    [InlineData("a\u0000b")]
    [InlineData("\u001b[31mred")]
    [InlineData("invoice\u202Egpj.exe")]
    [InlineData("isolate\u2066x\u2069")]
    [InlineData("zero\u200Bwidth")]
    [InlineData("line\u2028separator")]
    public void Line_breaks_control_bidi_and_invisible_characters_are_refused(string name) =>
        Assert.False(OneLineText.IsSafe(name));

    // Built here: theory data would pass through UTF-8, which cannot carry a lone surrogate.
    [Fact]
    public void A_lone_surrogate_which_utf8_cannot_store_is_refused()
    {
        Assert.False(OneLineText.IsSafe("broken " + '\ud800' + " surrogate"));
        Assert.False(OneLineText.IsSafe("ends high " + '\ud83d'));
        Assert.False(OneLineText.IsSafe('\ude00' + " starts low"));
    }
}
