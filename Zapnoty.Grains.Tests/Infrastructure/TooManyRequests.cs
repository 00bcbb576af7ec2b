using System.Net;
using System.Text.Json;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>What every limit answers: 429, problem details, a <c>Retry-After</c> within the limit's window.</summary>
public static class TooManyRequests
{
    /// <summary>Asserts a 429 problem with a Retry-After between 1 s and <paramref name="window"/>; returns its detail.</summary>
    public static async Task<string> Detail(HttpResponseMessage response, TimeSpan window)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"expected 429, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), window);

        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal("Too many requests", problem.GetProperty("title").GetString());
        return problem.GetProperty("detail").GetString()!;
    }
}
