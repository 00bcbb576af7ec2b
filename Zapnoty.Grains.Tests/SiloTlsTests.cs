using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Silo;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Finding 8: the silo endpoints as production configures them (<see cref="SiloSetup.UseZapnotyEndpoints"/>)
/// on real silos over real ADO.NET clustering: no Orleans gateway, and mutual TLS between silos
/// with certificates made here (a private CA, a PKCS#12 file and a PEM pair).
/// </summary>
public sealed class SiloTlsTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("zapnoty-tls-").FullName;
    private readonly List<IHost> _silos = [];
    private string _connectionString = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await TestDatabase.Create("tls");
        await using var database = NpgsqlDataSource.Create(_connectionString);
        await new DatabaseMigrator(database, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in Enumerable.Reverse(_silos))
        {
            await silo.StopAsync(TimeSpan.FromSeconds(10));
            silo.Dispose();
        }
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_silo_opens_no_Orleans_gateway_unless_a_port_is_configured()
    {
        var silo = await StartSilo(new());
        Assert.Equal(0, silo.Services.GetRequiredService<IOptions<EndpointOptions>>().Value.GatewayPort);
        await using var database = NpgsqlDataSource.Create(_connectionString);
        await using var command = database.CreateCommand("SELECT proxyport FROM orleansmembershiptable WHERE status = 3");
        Assert.Equal(0, Convert.ToInt32(await command.ExecuteScalarAsync()));
    }

    [Fact]
    public async Task Two_silos_with_certificates_of_the_cluster_form_a_cluster_over_TLS_and_serve_calls_to_each_other()
    {
        var (ca, caPem) = NewCa();
        var one = await StartSilo(Tls(Pkcs12(Issue(ca, "silo-1"), "one.pfx", "pfx-password"), caPem, password: "pfx-password"));
        var two = await StartSilo(Pem(Issue(ca, "silo-2"), "two", caPem));

        var management = one.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        await Poll.Eventually(async () => (await management.GetHosts(onlyActive: true)).Count == 2);
        // A call that each silo answers itself: the second answer crossed the silo link.
        var hosts = (await management.GetHosts(onlyActive: true)).Keys.ToArray();
        var statistics = await management.GetRuntimeStatistics(hosts);
        Assert.Equal(2, statistics.Length);
        var fromTwo = await two.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetRuntimeStatistics(hosts);
        Assert.Equal(2, fromTwo.Length);
    }

    [Fact]
    public async Task The_silo_port_refuses_a_certificate_outside_the_cluster_and_plain_TCP()
    {
        var (ca, caPem) = NewCa();
        var member = Issue(ca, "silo-1");
        var port = SiloProcess.FreePort();
        await StartSilo(Tls(Pkcs12(member, "one.pfx", null), caPem), port);

        Assert.True(await PeerAccepted(port, Issue(ca, "silo-2")));
        Assert.False(await PeerAccepted(port, SelfSigned("intruder")));
        var (otherCa, _) = NewCa();
        Assert.False(await PeerAccepted(port, Issue(otherCa, "silo-2")));
        Assert.False(await PeerAccepted(port, certificate: null));
        Assert.False(await PlainTcpAnswered(port));
    }

    /// <summary>True when the silo completed a mutual TLS handshake and kept the connection open.</summary>
    private static async Task<bool> PeerAccepted(int port, X509Certificate2? certificate)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "zapnoty-silo",
                ClientCertificates = certificate is null ? null : [certificate],
            });
            // TLS 1.3 reports a refused client certificate after the handshake: read to see. A
            // member gets the silo's Orleans preamble (or silence); a stranger an error or the end.
            var read = tls.ReadAsync(new byte[1]).AsTask();
            return await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(2))) != read || await read > 0;
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            return false;
        }
    }

    private static async Task<bool> PlainTcpAnswered(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        try
        {
            // What an Orleans client sends first, in the clear.
            await stream.WriteAsync(new byte[] { 0, 0, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 });
            var buffer = new byte[64];
            var read = stream.ReadAsync(buffer).AsTask();
            if (await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(12))) != read) return false;
            return await read > 0 && buffer[0] != 0x15; // 0x15: a TLS alert, not Orleans
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task<IHost> StartSilo(Dictionary<string, string?> settings, int? port = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orleans:ClusterId"] = "tls-test",
            ["Orleans:ServiceId"] = "tls-test",
            ["Orleans:AdvertisedIP"] = "127.0.0.1",
            ["Orleans:SiloPort"] = (port ?? SiloProcess.FreePort()).ToString(),
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo => silo.UseZapnotyEndpoints(builder.Configuration).UseZapnotyPostgres(_connectionString));
        var host = builder.Build();
        _silos.Add(host);
        await host.StartAsync();
        return host;
    }

    private static Dictionary<string, string?> Tls(string pfxPath, string caPem, string? password = null) => new()
    {
        ["Orleans:Tls:Enabled"] = "true",
        ["Orleans:Tls:CertificatePath"] = pfxPath,
        ["Orleans:Tls:CertificatePassword"] = password,
        ["Orleans:Tls:CaCertificatePath"] = caPem,
    };

    private Dictionary<string, string?> Pem(X509Certificate2 certificate, string name, string caPem)
    {
        var certificatePath = Path.Combine(_folder, $"{name}.crt");
        var keyPath = Path.Combine(_folder, $"{name}.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return new()
        {
            ["Orleans:Tls:Enabled"] = "true",
            ["Orleans:Tls:CertificatePemPath"] = certificatePath,
            ["Orleans:Tls:KeyPemPath"] = keyPath,
            ["Orleans:Tls:CaCertificatePath"] = caPem,
        };
    }

    private string Pkcs12(X509Certificate2 certificate, string name, string? password)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    /// <summary>A private CA for the cluster, and its certificate as a PEM file.</summary>
    private (X509Certificate2 Ca, string PemPath) NewCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Zapnoty test cluster CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(_folder, $"ca-{Guid.NewGuid():N}.crt");
        File.WriteAllText(path, ca.ExportCertificatePem());
        return (ca, path);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Request(name, key);
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30), RandomNumberGenerator.GetBytes(16));
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = Request(name, key).CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    /// <summary>A silo's certificate serves both ends of a connection: server and client authentication.</summary>
    private static CertificateRequest Request(string name, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        return request;
    }
}
