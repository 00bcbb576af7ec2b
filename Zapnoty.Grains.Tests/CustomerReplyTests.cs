using System.Net;
using Zapnoty.Grains.Tests.Dashboard;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>Finding 15: customer replies are posted only for website customers, and say who posted them.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CustomerReplyTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_customer_reply_cannot_be_put_in_the_mouth_of_a_messenger_customer()
    {
        var desk = await SupportDesk.Open(cluster);
        var (_, _, ticketId, _) = await desk.TelegramTicket(cluster, "My parcel is lost", TelegramCustomer.New());
        var key = desk.Owner.WithToken((await desk.Owner.Post($"/v1/projects/{desk.ProjectId}/api-keys", new { name = "website" })).GetProperty("key").GetString());

        foreach (var caller in new[] { desk.Owner, key })
        {
            var problem = await caller.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = "I take it all back" },
                HttpStatusCode.Conflict);
            Assert.Contains("channel api", problem.GetProperty("detail").GetString());
        }
        var messages = (await desk.Owner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray();
        Assert.DoesNotContain(messages, m => m.GetProperty("text").GetString() == "I take it all back");
    }

    [Fact]
    public async Task A_website_customers_reply_records_the_key_that_posted_it()
    {
        var desk = await SupportDesk.Open(cluster);
        var (ticketId, _) = await desk.ApiTicket("Where is my order?");
        var created = await desk.Owner.Post($"/v1/projects/{desk.ProjectId}/api-keys", new { name = "website" });
        var key = cluster.Api(1).WithToken(created.GetProperty("key").GetString());

        var message = await key.Post($"/v1/helpdesk/tickets/{ticketId}/customer-reply", new { text = "Any news?" });

        Assert.Equal("customer", message.GetProperty("author").GetString());
        Assert.Equal(created.GetProperty("id").GetGuid(), message.GetProperty("agent_id").GetGuid());
        var stored = (await desk.Owner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray()
            .Single(m => m.GetProperty("text").GetString() == "Any news?");
        Assert.Equal(created.GetProperty("id").GetGuid(), stored.GetProperty("agent_id").GetGuid());
    }
}
