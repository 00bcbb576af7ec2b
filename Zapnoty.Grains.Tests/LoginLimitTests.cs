using System.Net;
using System.Text.Json;
using Zapnoty.Api.Access;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// The login limits with their defaults (3 codes per address and network, 5 per address from
/// networks it never logged in from, 20 codes and 30 tries per network, 15 minutes; 10 wrong
/// codes per address and network and 20 from unknown networks a day), over HTTP on both silos.
/// The back-off after wrong codes starts at 10 ms in the test cluster (1 s in production). Requests alternate between the silos, so every limit
/// shown here holds cluster-wide. Fixed client IPs are documentation addresses, which the
/// random ones of other tests (10.0.0.0/8) never hit.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LoginLimitTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_sixth_code_for_one_address_is_refused_on_every_silo_without_an_email_and_the_fifth_code_still_works()
    {
        var email = $"limited-{Guid.NewGuid():N}@example.com";
        for (var i = 0; i < 5; i++)
            await FromAnywhere(i % 2).Call(HttpMethod.Post, "/v1/auth/login", new { email }, HttpStatusCode.Accepted);
        var fifthCode = await cluster.Smtp.WaitForCode(email, 4);

        foreach (var silo in new[] { 0, 1 })
        {
            using var refused = await FromAnywhere(silo).Send(HttpMethod.Post, "/v1/auth/login", new { email });
            var detail = await AssertTooManyRequests(refused);
            Assert.StartsWith("Too many login codes requested for this address; try again in ", detail);
        }

        Assert.Equal(5, cluster.Smtp.CountTo(email));
        var session = await FromAnywhere(1).Call(HttpMethod.Post, "/v1/auth/verify", new { email, code = fifthCode }, HttpStatusCode.OK);
        Assert.Equal(email, session.GetProperty("user").GetProperty("email").GetString());
    }

    [Fact]
    public async Task One_ip_gets_20_codes_across_addresses_then_429_while_other_ips_still_get_codes()
    {
        const string ip = "192.0.2.10";
        for (var i = 0; i < 20; i++)
            await cluster.Api(i % 2).WithClientIp(ip).Call(HttpMethod.Post, "/v1/auth/login", new { email = NewEmail() }, HttpStatusCode.Accepted);

        var email = NewEmail();
        foreach (var silo in new[] { 0, 1 })
        {
            using var refused = await cluster.Api(silo).WithClientIp(ip).Send(HttpMethod.Post, "/v1/auth/login", new { email });
            var detail = await AssertTooManyRequests(refused);
            Assert.StartsWith("Too many login codes requested from your network; try again in ", detail);
        }
        Assert.Equal(0, cluster.Smtp.CountTo(email));

        // The refusal was about the IP: the same address from elsewhere gets its code.
        await FromAnywhere(0).Call(HttpMethod.Post, "/v1/auth/login", new { email }, HttpStatusCode.Accepted);
        await cluster.Smtp.WaitForCode(email, 0);
    }

    [Fact]
    public async Task One_ip_gets_30_verify_attempts_across_addresses_then_even_a_right_code_is_refused_without_burning_it()
    {
        const string guesser = "192.0.2.20";
        var people = new List<(string Email, string Code)>();
        for (var i = 0; i < 10; i++)
        {
            var email = NewEmail();
            await FromAnywhere(i % 2).Call(HttpMethod.Post, "/v1/auth/login", new { email }, HttpStatusCode.Accepted);
            people.Add((email, await cluster.Smtp.WaitForCode(email, 0)));
        }

        // 30 wrong guesses spread over 10 addresses: 3 at each, before any back-off.
        for (var i = 0; i < 30; i++)
        {
            var (email, code) = people[i % people.Count];
            await cluster.Api(i % 2).WithClientIp(guesser)
                .Call(HttpMethod.Post, "/v1/auth/verify", new { email, code = WrongCode(code) }, HttpStatusCode.BadRequest);
        }

        var first = people[0];
        foreach (var silo in new[] { 0, 1 })
        {
            using var refused = await cluster.Api(silo).WithClientIp(guesser).Send(HttpMethod.Post, "/v1/auth/verify", new { first.Email, first.Code });
            var detail = await AssertTooManyRequests(refused);
            Assert.StartsWith("Too many login attempts from your network; try again in ", detail);
        }

        // Had the refusals or the guesser's wrong codes burned anything, this would fail.
        await FromAnywhere(1).Call(HttpMethod.Post, "/v1/auth/verify", new { first.Email, first.Code }, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Wrong_codes_count_across_new_codes_and_after_ten_a_day_that_network_is_refused_even_the_right_code()
    {
        var email = NewEmail();
        var network = ApiClient.RandomClientIp();
        var code = "";
        for (var i = 0; i < 10; i++)
        {
            // A fresh code every few tries: requesting codes buys no new guesses.
            if (i % 4 == 0) code = await RequestCode(cluster.Api(i % 2).WithClientIp(network), email);
            var detail = await WrongTry(cluster.Api(i % 2).WithClientIp(network), email, code);
            Assert.Equal("Wrong code.", detail);
        }

        foreach (var silo in new[] { 0, 1 })
        {
            using var refused = await cluster.Api(silo).WithClientIp(network).Send(HttpMethod.Post, "/v1/auth/verify", new { email, code });
            var detail = await AssertTooManyRequests(refused, TimeSpan.FromHours(24));
            Assert.StartsWith("Too many wrong codes for this address from your network; try again in ", detail);
        }

        // Only that network: the code itself was not burned, and the person's network logs in with it.
        await FromAnywhere(0).Call(HttpMethod.Post, "/v1/auth/verify", new { email, code }, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Networks_an_address_never_logged_in_from_share_twenty_wrong_codes_a_day_and_its_own_network_still_logs_in()
    {
        var email = NewEmail();
        var home = cluster.Api(0).WithClientIp(ApiClient.RandomClientIp());
        await home.LogInAs(email);

        foreach (var stranger in new[] { ApiClient.RandomClientIp(), ApiClient.RandomClientIp() })
        {
            var code = await RequestCode(cluster.Api(1).WithClientIp(stranger), email);
            for (var i = 0; i < 10; i++)
                Assert.Equal("Wrong code.", await WrongTry(cluster.Api(i % 2).WithClientIp(stranger), email, code));
        }

        using (var refused = await FromAnywhere(1).Send(HttpMethod.Post, "/v1/auth/verify", new { email, code = "12345678" }))
            Assert.StartsWith("Too many wrong codes for this address; try again in ", await AssertTooManyRequests(refused, TimeSpan.FromHours(24)));

        var session = await home.LogInAs(email);
        Assert.NotNull(session.Token);
    }

    [Fact]
    public async Task A_strangers_codes_and_wrong_tries_neither_replace_nor_burn_the_code_the_person_asked_for()
    {
        var email = NewEmail();
        var person = cluster.Api(0).WithClientIp(ApiClient.RandomClientIp());
        var stranger = cluster.Api(1).WithClientIp(ApiClient.RandomClientIp());
        var personsCode = await RequestCode(person, email);

        var strangersCode = "";
        for (var i = 0; i < 3; i++) strangersCode = await RequestCode(stranger, email);
        using (var refused = await stranger.Send(HttpMethod.Post, "/v1/auth/login", new { email }))
            Assert.StartsWith("Too many login codes requested for this address from your network; try again in ", await AssertTooManyRequests(refused));
        // Compared with the code the stranger's own network asked for, which the stranger does not have.
        for (var i = 0; i < 10; i++)
            Assert.Equal("Wrong code.", await WrongTry(stranger, email, strangersCode));

        var session = await person.Call(HttpMethod.Post, "/v1/auth/verify", new { email, code = personsCode }, HttpStatusCode.OK);
        Assert.Equal(email, session.GetProperty("user").GetProperty("email").GetString());
    }

    [Fact]
    public async Task Strangers_using_up_an_addresss_code_requests_do_not_stop_a_network_it_logged_in_from()
    {
        var email = NewEmail();
        var home = cluster.Api(0).WithClientIp(ApiClient.RandomClientIp());
        await home.LogInAs(email);

        // The first login counted too: the network was not known to the address then.
        for (var i = 0; i < 4; i++)
            await FromAnywhere(i % 2).Call(HttpMethod.Post, "/v1/auth/login", new { email }, HttpStatusCode.Accepted);
        using (var refused = await FromAnywhere(1).Send(HttpMethod.Post, "/v1/auth/login", new { email }))
            Assert.StartsWith("Too many login codes requested for this address; try again in ", await AssertTooManyRequests(refused));

        await home.LogInAs(email);
    }

    private async Task<string> RequestCode(ApiClient from, string email)
    {
        var before = cluster.Smtp.CountTo(email);
        await from.Call(HttpMethod.Post, "/v1/auth/login", new { email }, HttpStatusCode.Accepted);
        return await cluster.Smtp.WaitForCode(email, before);
    }

    /// <summary>Sends a wrong code, waiting out the back-off; returns the 400's detail.</summary>
    private static async Task<string> WrongTry(ApiClient from, string email, string code)
    {
        var wrong = WrongCode(code);
        while (true)
        {
            using var response = await from.Send(HttpMethod.Post, "/v1/auth/verify", new { email, code = wrong });
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var detail = problem.GetProperty("detail").GetString()!;
            // As a client should: wait what Retry-After says. Every try, refused or not, counts
            // against the network's 30 tries per 15 minutes, so polling faster would use them up.
            if (response.StatusCode == HttpStatusCode.TooManyRequests && detail.StartsWith("Wait ", StringComparison.Ordinal))
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                continue;
            }
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.StatusCode}: {detail}");
            return detail;
        }
    }

    private ApiClient FromAnywhere(int silo) => cluster.Api(silo).WithClientIp(ApiClient.RandomClientIp());

    private static string NewEmail() => $"person-{Guid.NewGuid():N}@example.com";

    private static string WrongCode(string code) => ((int.Parse(code) + 1) % 100_000_000).ToString("D8");

    /// <summary>Asserts a 429 problem with a Retry-After within the window (15 minutes unless given); returns its detail.</summary>
    private static Task<string> AssertTooManyRequests(HttpResponseMessage response, TimeSpan? window = null) =>
        TooManyRequests.Detail(response, window ?? TimeSpan.FromMinutes(15));
}

public sealed class SlidingAttemptWindowTests
{
    private static readonly AttemptLimit ThreePerTenMinutes = new(3, TimeSpan.FromMinutes(10));
    private static readonly DateTimeOffset Nine = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(double minutes) => Nine.AddMinutes(minutes);

    [Fact]
    public void Attempts_up_to_the_limit_pass_and_the_next_waits_until_the_oldest_leaves_the_window()
    {
        var window = new SlidingAttemptWindow();
        Assert.True(window.TryAttempt(At(0), ThreePerTenMinutes).Accepted);
        Assert.True(window.TryAttempt(At(1), ThreePerTenMinutes).Accepted);
        Assert.True(window.TryAttempt(At(2), ThreePerTenMinutes).Accepted);

        var refused = window.TryAttempt(At(3), ThreePerTenMinutes);
        Assert.False(refused.Accepted);
        Assert.Equal(TimeSpan.FromMinutes(7), refused.RetryAfter);
    }

    [Fact]
    public void The_window_slides_one_attempt_at_a_time_at_the_exact_instant()
    {
        var window = new SlidingAttemptWindow();
        foreach (var minute in new[] { 0, 1, 2 }) window.TryAttempt(At(minute), ThreePerTenMinutes);

        var justBefore = window.TryAttempt(At(10).AddTicks(-1), ThreePerTenMinutes);
        Assert.False(justBefore.Accepted);
        Assert.Equal(TimeSpan.FromTicks(1), justBefore.RetryAfter);

        Assert.True(window.TryAttempt(At(10), ThreePerTenMinutes).Accepted);
        // Only the 9:00 attempt left; the 9:01 one is still in until 9:11.
        var next = window.TryAttempt(At(10), ThreePerTenMinutes);
        Assert.False(next.Accepted);
        Assert.Equal(TimeSpan.FromMinutes(1), next.RetryAfter);
    }

    [Fact]
    public void Refused_attempts_do_not_extend_the_wait()
    {
        var window = new SlidingAttemptWindow();
        foreach (var minute in new[] { 0, 0, 0 }) window.TryAttempt(At(minute), ThreePerTenMinutes);

        for (var minute = 1; minute < 10; minute++)
            Assert.Equal(TimeSpan.FromMinutes(10 - minute), window.TryAttempt(At(minute), ThreePerTenMinutes).RetryAfter);
        Assert.True(window.TryAttempt(At(10), ThreePerTenMinutes).Accepted);
    }

    [Fact]
    public void After_a_quiet_window_the_full_limit_is_available_again()
    {
        var window = new SlidingAttemptWindow();
        foreach (var minute in new[] { 0, 1, 2 }) window.TryAttempt(At(minute), ThreePerTenMinutes);

        foreach (var minute in new[] { 12, 12, 12 })
            Assert.True(window.TryAttempt(At(minute), ThreePerTenMinutes).Accepted);
        Assert.False(window.TryAttempt(At(12), ThreePerTenMinutes).Accepted);
    }

    [Fact]
    public void A_lowered_limit_waits_until_enough_attempts_have_left_the_window()
    {
        var window = new SlidingAttemptWindow();
        foreach (var minute in new[] { 0, 1, 2 }) window.TryAttempt(At(minute), ThreePerTenMinutes);

        var onePerTenMinutes = ThreePerTenMinutes with { Count = 1 };
        Assert.Equal(TimeSpan.FromMinutes(9), window.TryAttempt(At(3), onePerTenMinutes).RetryAfter);
        Assert.True(window.TryAttempt(At(12), onePerTenMinutes).Accepted);
    }
}

public sealed class ClientNetworkTests
{
    [Fact]
    public void An_ipv6_client_counts_by_its_64_network_so_changing_address_does_not_escape_the_limit()
    {
        var one = ClientNetwork.Of(IPAddress.Parse("2001:db8:1:2::1"));
        var other = ClientNetwork.Of(IPAddress.Parse("2001:db8:1:2:abcd:ef01:2345:6789"));
        Assert.Equal("2001:db8:1:2::/64", one);
        Assert.Equal(one, other);
        Assert.NotEqual(one, ClientNetwork.Of(IPAddress.Parse("2001:db8:1:3::1")));
    }

    [Fact]
    public void An_ipv4_client_counts_by_its_address_also_when_seen_through_an_ipv6_socket()
    {
        Assert.Equal("203.0.113.7", ClientNetwork.Of(IPAddress.Parse("203.0.113.7")));
        Assert.Equal("203.0.113.7", ClientNetwork.Of(IPAddress.Parse("::ffff:203.0.113.7")));
        Assert.NotEqual(ClientNetwork.Of(IPAddress.Parse("203.0.113.7")), ClientNetwork.Of(IPAddress.Parse("203.0.113.8")));
        Assert.Null(ClientNetwork.Of(null));
    }
}
