using System.Net;
using System.Text.Json;
using Orleans.Core.Internal;
using Zapnoty.Grains.Channels.StaffGroup;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using Group = Zapnoty.Grains.Tests.Infrastructure.StaffGroupUpdates;

namespace Zapnoty.Grains.Tests;

// Files from a topic, the note prompt, no echo after a restart, and the audit log (issue 21's remainders).
public sealed partial class StaffGroupTests
{
    [Fact]
    public async Task An_agents_photo_with_a_caption_and_a_document_sent_in_the_topic_reach_the_customer_as_the_same_bytes_and_show_in_the_dashboard()
    {
        var (team, customer, ticketId, thread) = await TicketWithTopic("Which label do I print?");

        byte[] photo = [0xFF, 0xD8, 0xFF, 0xE0, .. Guid.NewGuid().ToByteArray(), .. new byte[30_000]];
        Telegram.AddFile(team.Bot, "staff-photo-label", photo, "photos/file_41.jpg");
        await Post(team.Bot, Group.Photo(team.AdminOnTelegram, team.Group, thread, "This one, printed on A4", fileId: "staff-photo-label"));
        var sentPhoto = (await Telegram.WaitForFiles(f => f.Any(x => x.ChatId == customer.ChatId))).Single(x => x.ChatId == customer.ChatId);
        Assert.Equal(("sendPhoto", "This one, printed on A4"), (sentPhoto.Method, sentPhoto.Caption));
        Assert.Equal(photo, sentPhoto.Content);

        byte[] invoice = [.. "%PDF-1.7\n"u8, .. Guid.NewGuid().ToByteArray(), .. new byte[5_000]];
        Telegram.AddFile(team.Bot, "staff-doc-invoice", invoice, "documents/file_42.pdf");
        await Post(team.Bot, Group.Document(team.AdminOnTelegram, team.Group, thread, "staff-doc-invoice", "invoice-4471.pdf", "application/pdf", invoice.Length));
        var sentDocument = (await Telegram.WaitForFiles(f => f.Count(x => x.ChatId == customer.ChatId) == 2)).Last(x => x.ChatId == customer.ChatId);
        Assert.Equal(("sendDocument", "invoice-4471.pdf"), (sentDocument.Method, sentDocument.FileName));
        Assert.Equal(invoice, sentDocument.Content);

        // The dashboard shows both replies as the agent's, with their files, delivered; one credit each, as a dashboard reply.
        var withPhoto = await MessageWithText(team, ticketId, "This one, printed on A4");
        Assert.Equal(team.AdminUserId, withPhoto.GetProperty("agent_id").GetString());
        Assert.Equal("photo", withPhoto.GetProperty("attachments")[0].GetProperty("kind").GetString());
        await Eventually(async () => (await Messages(team, ticketId)).Count(m => m.GetProperty("author").GetString() == "agent"
            && m.GetProperty("delivery").GetString() == "delivered") == 2);
        var withDocument = (await Messages(team, ticketId)).Last(m => m.GetProperty("author").GetString() == "agent");
        Assert.Equal("invoice-4471.pdf", withDocument.GetProperty("attachments")[0].GetProperty("file_name").GetString());
        using var download = await team.Admin.Send(HttpMethod.Get,
            $"/v1/helpdesk/tickets/{ticketId}/messages/{withDocument.GetProperty("id").GetString()}/attachments/0");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(invoice, await download.Content.ReadAsByteArrayAsync());
        // Not echoed back into the topic they came from.
        Assert.DoesNotContain(Telegram.SentInTopic(team.Group.Id, thread), m => m.Text.Contains("(dashboard)"));

        // A reply with a file from the dashboard shows in the topic with the file's name.
        using (await ReplyFileTests.ReplyWithFiles(team.Admin, ticketId, "And the return form", ("return-form.pdf", "application/pdf", invoice))) { }
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == team.Group.Id && m.Text.EndsWith("(dashboard): And the return form 📎 return-form.pdf")));
    }

    [Fact]
    public async Task A_file_too_large_for_a_bot_is_refused_in_the_topic_with_the_reason_and_nothing_reaches_the_customer()
    {
        var (team, customer, ticketId, thread) = await TicketWithTopic("Send me the video manual");

        const long size = 25L * 1024 * 1024;
        Telegram.AddFile(team.Bot, "staff-doc-huge", "not really 25 MB"u8.ToArray(), "documents/file_43.mp4", declaredSize: size);
        await Post(team.Bot, Group.Document(team.AdminOnTelegram, team.Group, thread, "staff-doc-huge", "manual.mp4", "video/mp4", size, "The manual"));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == team.Group.Id && m.Text.StartsWith(
            "Not sent to the customer: Telegram lets a bot fetch files of up to 20 MB, and this one is 25.0 MB")));

        Assert.DoesNotContain(await Messages(team, ticketId), m => m.GetProperty("text").GetString() == "The manual");
        Assert.Empty(Telegram.SentFiles(customer.ChatId));
        Assert.DoesNotContain(Telegram.Sent(customer.ChatId), m => m.Text.Contains("manual", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_file_from_an_unlinked_member_is_neither_fetched_nor_sent_and_the_topic_says_why()
    {
        var (team, customer, ticketId, thread) = await TicketWithTopic("Need the warranty card");

        var stranger = TelegramCustomer.New("Stas", null, "stas_outsider");
        Telegram.AddFile(team.Bot, "stranger-doc", "%PDF-1.4 stranger"u8.ToArray(), "documents/file_44.pdf");
        await Post(team.Bot, Group.Document(stranger, team.Group, thread, "stranger-doc", "card.pdf", "application/pdf", 17, "Here you go"));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == team.Group.Id && m.Text.StartsWith("@stas_outsider, your Telegram account is not linked")));

        Assert.DoesNotContain("documents/file_44.pdf", Telegram.Downloads);
        Assert.Empty(Telegram.SentFiles(customer.ChatId));
        Assert.DoesNotContain(await Messages(team, ticketId), m => m.GetProperty("text").GetString() == "Here you go");
    }

    [Fact]
    public async Task The_Note_button_asks_for_a_reply_that_stays_internal_while_a_reply_to_any_other_bot_message_reaches_the_customer()
    {
        var (team, customer, ticketId, thread) = await TicketWithTopic("Double charge on my card");
        var details = (await Telegram.WaitForSent(s => s.Any(m => m.ChatId == team.Group.Id && m.Buttons.Count > 0)))
            .First(m => m.ChatId == team.Group.Id && m.Buttons.Count > 0);

        await Post(team.Bot, Group.Pressed(team.AdminOnTelegram, team.Group, thread, details.MessageId, $"sg:note:{ticketId:N}", team.Bot));
        var prompt = (await Telegram.WaitForSent(s => s.Any(m => m.ChatId == team.Group.Id && m.Text.Contains("reply to this message to add an internal note"))))
            .Single(m => m.ChatId == team.Group.Id && m.Text.Contains("reply to this message to add an internal note"));
        Assert.StartsWith($"@{team.AdminOnTelegram.Username}, ", prompt.Text);
        Assert.Equal(thread.ToString(), prompt.Call.Field("message_thread_id"));
        var markup = prompt.Call.Body.GetProperty("reply_markup");
        Assert.True(markup.GetProperty("force_reply").GetBoolean());
        Assert.True(markup.GetProperty("selective").GetBoolean());

        await Post(team.Bot, Group.ReplyTo(team.AdminOnTelegram, team.Group, thread, prompt.MessageId, "Refund the second charge, it is a bank glitch", team.Bot));
        var note = await MessageWithText(team, ticketId, "Refund the second charge, it is a bank glitch");
        Assert.True(note.GetProperty("internal").GetBoolean());

        await Post(team.Bot, Group.ReplyTo(team.AdminOnTelegram, team.Group, thread, details.MessageId, "We are refunding the second charge", team.Bot));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text == "We are refunding the second charge"));
        Assert.False((await MessageWithText(team, ticketId, "We are refunding the second charge")).GetProperty("internal").GetBoolean());
        Assert.DoesNotContain(Telegram.Sent(customer.ChatId), m => m.Text.Contains("bank glitch"));
        Assert.DoesNotContain(Telegram.SentInTopic(team.Group.Id, thread), m => m.Text.StartsWith("📝") || m.Text.Contains("(dashboard)"));
    }

    [Fact]
    public async Task A_reply_written_in_the_topic_is_not_echoed_back_into_it_when_the_group_restarts_before_mirroring_its_event()
    {
        var (team, customer, ticketId, thread) = await TicketWithTopic("Order 5512 is late");
        await Telegram.WaitForSent(s => s.Count(m => m.ChatId == team.Group.Id && m.Call.Field("message_thread_id") == thread.ToString()) >= 2);

        // The group's queue stops at the next line it mirrors (a dashboard note) for a 429 of 10 s.
        Telegram.FailNext(team.Group.Id, 1, TelegramFailure.TooManyRequests(retryAfter: 10));
        await team.Admin.Post($"/v1/helpdesk/tickets/{ticketId}/notes", new { text = "Asked the warehouse" });
        await Eventually(() => Task.FromResult(Telegram.Calls.Any(c => c.ChatId == team.Group.Id && c.AnsweredWith == 429)));
        // Meanwhile an agent answers in the topic; then the group's grain is deactivated (as a silo restart would) before it mirrors that event.
        await Post(team.Bot, Group.Text(team.AdminOnTelegram, team.Group, thread, "It ships tomorrow"));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text == "It ships tomorrow"));
        await cluster.Grains.GetGrain<IStaffGroupGrain>(team.ProjectId).AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        await Task.Delay(500);

        // The next event wakes a fresh activation, which mirrors everything after the cursor.
        await team.Admin.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Tracking number ZX-5512" });
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == team.Group.Id && m.Text.EndsWith("(dashboard): Tracking number ZX-5512")), 60);
        var lines = Telegram.SentInTopic(team.Group.Id, thread).Select(m => m.Text).ToList();
        Assert.Single(lines, l => l.EndsWith("Asked the warehouse"));
        Assert.DoesNotContain(lines, l => l.Contains("It ships tomorrow"));
    }

    [Fact]
    public async Task Linking_the_group_linking_a_members_account_and_unlinking_the_group_are_in_the_audit_log()
    {
        var team = await Team();
        var audit = $"/v1/projects/{team.ProjectId}/audit?action=staff_group";
        var entries = (await team.Admin.Get(audit)).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["staff_group.linked", "staff_group.member_linked"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e => Assert.Equal(team.AdminUserId, e.GetProperty("actor").GetProperty("id").GetString()));
        Assert.Equal(team.Group.Id.ToString(), entries[0].GetProperty("target_id").GetString());
        Assert.Equal(team.Group.Title, entries[0].GetProperty("details").GetProperty("title").GetString());
        Assert.Equal(team.AdminUserId, entries[1].GetProperty("target_id").GetString());
        Assert.Equal(team.AdminOnTelegram.Id.ToString(), entries[1].GetProperty("details").GetProperty("telegram_user_id").GetString());
        Assert.Equal(team.AdminOnTelegram.Username, entries[1].GetProperty("details").GetProperty("username").GetString());

        await team.Admin.Call(HttpMethod.Delete, $"/v1/projects/{team.ProjectId}/channels/telegram/staff-group", null, HttpStatusCode.NoContent);
        var unlinked = (await team.Admin.Get(audit)).GetProperty("items")[0];
        Assert.Equal("staff_group.unlinked", unlinked.GetProperty("action").GetString());
        Assert.Equal(team.Group.Id.ToString(), unlinked.GetProperty("details").GetProperty("chat_id").GetString());
        // A refused unlink (nothing linked) writes nothing.
        await team.Admin.Call(HttpMethod.Delete, $"/v1/projects/{team.ProjectId}/channels/telegram/staff-group", null, HttpStatusCode.NotFound);
        Assert.Equal(3, (await team.Admin.Get(audit)).GetProperty("items").GetArrayLength());
    }

    /// <summary>A linked team, and a ticket of a new Telegram customer with its topic open.</summary>
    private async Task<(LinkedTeam Team, TelegramCustomer Customer, Guid TicketId, int Thread)> TicketWithTopic(string subject)
    {
        var team = await Team();
        var customer = TelegramCustomer.New();
        var ticketId = await OpenTicket(team, customer, subject);
        return (team, customer, ticketId, await TopicOf(team.Group, $"#1 {subject}"));
    }

    private static async Task<List<JsonElement>> Messages(LinkedTeam team, Guid ticketId) =>
        (await Ticket(team, ticketId)).GetProperty("messages").EnumerateArray().ToList();
}
