using System.Net;
using System.Net.NetworkInformation;
using Zapnoty.Silo;

namespace Zapnoty.Grains.Tests;

public sealed class AdvertisedAddressTests
{
    [Fact]
    public void Unset_means_loopback_and_an_address_means_itself()
    {
        Assert.Equal(IPAddress.Loopback, AdvertisedAddress.From(null));
        Assert.Equal(IPAddress.Loopback, AdvertisedAddress.From(""));
        Assert.Equal(IPAddress.Parse("10.1.2.3"), AdvertisedAddress.From("10.1.2.3"));
        Assert.Throws<InvalidOperationException>(() => AdvertisedAddress.From("silo-1"));
    }

    [Fact]
    public void Auto_picks_one_of_this_machines_own_non_loopback_ipv4_addresses()
    {
        var own = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses.Select(u => u.Address))
            .Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            .ToList();
        if (own.Count == 0)
        {
            // A sandbox with loopback only: "auto" must say so rather than advertise something unreachable.
            Assert.Throws<InvalidOperationException>(() => AdvertisedAddress.From("auto"));
            return;
        }
        Assert.Contains(AdvertisedAddress.From("AUTO"), own);
    }
}
