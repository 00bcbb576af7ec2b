namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>
/// Pictures an agent would really send, drawn by the browser itself: the README's screenshots
/// show a courier's page in the conversation, not a test's 8-pixel square.
/// </summary>
public static class SamplePicture
{
    private const string TrackingHtml = """
        <html><body style="margin:0;font:15px system-ui,sans-serif;background:#f3f4f6">
        <div style="margin:14px;padding:14px 18px;background:white;border-radius:10px;box-shadow:0 1px 3px #0002">
          <div style="font-weight:700;font-size:17px;color:#0f766e">FastCourier · Parcel RU 4821 0093 7</div>
          <div style="margin:6px 0 12px;color:#374151">Order 1042 · 1 parcel · 2.4 kg</div>
          <div style="display:grid;grid-template-columns:14px 1fr auto;gap:8px 10px;align-items:center">
            <span style="width:12px;height:12px;border-radius:6px;background:#16a34a"></span><b>At the pickup point, Lenina 5</b><span style="color:#6b7280">today 09:12</span>
            <span style="width:12px;height:12px;border-radius:6px;background:#9ca3af"></span><span>Arrived in Kazan</span><span style="color:#6b7280">yesterday 21:40</span>
            <span style="width:12px;height:12px;border-radius:6px;background:#9ca3af"></span><span>In transit</span><span style="color:#6b7280">1 Dec 08:03</span>
            <span style="width:12px;height:12px;border-radius:6px;background:#9ca3af"></span><span>Handed to the courier</span><span style="color:#6b7280">30 Nov 17:25</span>
          </div>
          <div style="margin-top:12px;color:#374151">Keep until <b>14 Dec</b> · Code at the desk: <b>7315</b></div>
        </div></body></html>
        """;

    /// <summary>A courier's tracking page as a phone screenshot would show it (PNG, 440×250).</summary>
    public static async Task<byte[]> TrackingPage(BrowserFixture browser, Uri silo)
    {
        await using var page = await browser.NewPage(silo, width: 440, height: 250);
        await page.Page.SetContentAsync(TrackingHtml);
        return await page.Page.ScreenshotAsync();
    }
}
